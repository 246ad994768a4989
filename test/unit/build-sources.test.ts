import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

const cmake = readFileSync(join(repoRoot, 'CMakeLists.txt'), 'utf8');

function cmakeList(name: string): string[] {
  const block = new RegExp(`set\\(${name}([^)]*)\\)`).exec(cmake)?.[1] ?? '';
  return block.split(/\s+/).filter(Boolean).sort();
}

/** `file` and every local header it includes ("x.h"), transitively, with the includes of each. */
function includeClosure(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const includes = [...text.matchAll(/^\s*#\s*include\s*([<"])([^>"]+)[>"]/gm)].map(([, quote, name]) => `${quote}${name}`);
  seen.set(file, includes);
  for (const include of includes) {
    if (include.startsWith('"')) includeClosure(join('native', include.slice(1)), seen);
  }
  return seen;
}

const NODE_HEADERS = ['<napi.h', '<node_api.h', '<js_native_api.h', '<node.h', '<uv.h', '"env_channel.h'];

// CMakeLists.txt (cmake-js, what npm install uses) and binding.gyp (node-gyp,
// for prebuildify) must build the same addon; CI also builds both.
describe('addon build definitions', () => {
  it('list the same sources in CMakeLists.txt and binding.gyp', () => {
    const fromCmake = [...cmakeList('FLBHOST_CORE_SOURCES'), ...cmakeList('FLBHOST_ADDON_SOURCES')].sort();
    const gyp = JSON.parse(readFileSync(join(repoRoot, 'binding.gyp'), 'utf8')) as { targets: Array<{ sources: string[] }> };
    expect(fromCmake.length).toBeGreaterThan(0);
    expect([...gyp.targets[0]!.sources].sort()).toEqual(fromCmake);
  });

  it('build the plugin host (isolation) from the core and its own sources, in both', () => {
    const fromCmake = [...cmakeList('FLBHOST_CORE_SOURCES'), ...cmakeList('FLBHOST_PLUGIN_HOST_SOURCES')].sort();
    const gyp = JSON.parse(readFileSync(join(repoRoot, 'binding.gyp'), 'utf8')) as { targets: Array<{ target_name: string; sources: string[] }> };
    const host = gyp.targets.find((target) => target.target_name === 'flbhost-plugin-host');
    expect(cmakeList('FLBHOST_PLUGIN_HOST_SOURCES')).toContain('native/plugin_host_main.cc');
    expect([...(host?.sources ?? [])].sort()).toEqual(fromCmake);
  });
});

// The plugin-hosting core reports through native/instance_events.h only, so
// a host other than Node (a child process) can link it. CMake compiles it
// without Node's include directories; this catches the same mistake for
// node-gyp, which compiles every file with them.
describe('the native core', () => {
  const core = cmakeList('FLBHOST_CORE_SOURCES');

  it('holds the loading, flb_api and instance files', () => {
    expect(core).toEqual(
      expect.arrayContaining(
        ['library', 'host_api', 'output_instance', 'input_instance', 'custom_instance', 'chunk_check', 'plugin_thread'].map((n) => `native/${n}.cc`),
      ),
    );
    expect(core).not.toContain('native/addon.cc');
    expect(core).not.toContain('native/env_channel.cc');
  });

  it('never includes a Node-API header, directly or through a local header (nor does the plugin host)', () => {
    const offenders: string[] = [];
    for (const source of [...core, ...cmakeList('FLBHOST_PLUGIN_HOST_SOURCES')]) {
      for (const [file, includes] of includeClosure(source)) {
        for (const include of includes) {
          if (NODE_HEADERS.some((header) => include.startsWith(header))) offenders.push(`${source}: ${file} includes ${include.slice(1)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
