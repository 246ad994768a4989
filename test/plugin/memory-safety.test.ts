import { linkSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadPlugin } from '../../src/index.js';
import { cPlugin, repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const dir = tempDir();

/** Runs a GC-dependent scenario in a child started with --expose-gc; returns its JSON line. */
function scenario(name: string, ...args: string[]): Record<string, unknown> {
  const child = spawnSync(process.execPath, ['--expose-gc', join(repoRoot, 'test/fixtures/js/gc-scenarios.mjs'), name, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(child.stderr).not.toMatch(/"level":(50|60)/); // no error logged
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('memory the plugin can see stays valid', () => {
  it('a chunk whose ArrayBuffer is transferred away during the flush still arrives intact', () => {
    const path = join(dir, 'detached.jsonl');
    expect(scenario('detach', cPlugin('out_jsonl'), path)).toEqual({ result: 'ok', detachedLength: 0 });
    const lines = readJsonLines(path);
    expect(lines).toHaveLength(2000);
    expect(lines[1999]).toMatchObject({ sec: 1999, record: { i: 1999 } });
  });

  it('keeps the struct a plugin got at Init valid after its instance closed and was collected', () => {
    const { lines } = scenario('keepptr', cPlugin('out_keepptr')) as { lines: Array<{ msg: string; instance: string; plugin: string }> };
    // The line written through the first (closed, collected) instance's pointer still names it.
    expect(lines.find((l) => /kept pointer 0, flush tag after-gc/.test(l.msg))).toMatchObject({ instance: 'kept.first', plugin: 'keepptr' });
    expect(lines.find((l) => /kept pointer 1, flush tag after-gc/.test(l.msg))).toMatchObject({ instance: 'kept.second' });
  });

  it('treats a hard link to a loaded .so as the same library: Register once, Unregister after the last instance', async () => {
    const traceFile = join(dir, 'trace.log');
    process.env.FLBHOST_TRACE_FILE = traceFile;
    const link = join(dir, 'out_trace_link.so');
    linkSync(cPlugin('out_trace'), link);
    const viaPath = await loadPlugin(cPlugin('out_trace'));
    const viaLink = await loadPlugin(link);
    expect(viaLink.name).toBe(viaPath.name);
    const a = await viaPath.createOutput({ properties: { id: 'A' } });
    const b = await viaLink.createOutput({ properties: { id: 'B' } });
    await a.close();
    await b.flush('still-registered', [{ record: {} }]);
    await b.close();
    const lines = readFileSync(traceFile, 'utf8').trim().split('\n');
    rmSync(traceFile);
    // The probe (another process) registered it too, once: the link has the same real path.
    expect(lines.filter((l) => l === '[probe] register')).toHaveLength(1);
    expect(lines.filter((l) => l === 'register')).toHaveLength(1);
    expect(lines.filter((l) => l === 'unregister')).toHaveLength(1);
    expect(lines.indexOf('unregister')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('flush_ctx B')));
  });
});
