import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

// CMakeLists.txt (cmake-js, what npm install uses) and binding.gyp (node-gyp,
// for prebuildify) must build the same addon; CI also builds both.
describe('addon build definitions', () => {
  it('list the same sources in CMakeLists.txt and binding.gyp', () => {
    const cmake = readFileSync(join(repoRoot, 'CMakeLists.txt'), 'utf8');
    const block = /set\(FLBHOST_ADDON_SOURCES([^)]*)\)/.exec(cmake)?.[1] ?? '';
    const fromCmake = block.split(/\s+/).filter(Boolean).sort();
    const gyp = JSON.parse(readFileSync(join(repoRoot, 'binding.gyp'), 'utf8')) as { targets: Array<{ sources: string[] }> };
    expect(fromCmake.length).toBeGreaterThan(0);
    expect([...gyp.targets[0]!.sources].sort()).toEqual(fromCmake);
  });
});
