import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugin, PluginError } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const { logger } = captureLogger();
const dir = tempDir();

async function loadError(path: string): Promise<PluginError> {
  const error = await loadPlugin(path, { logger }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginError);
  return error as PluginError;
}

describe('loading a plugin', () => {
  it('loads a C output and reports what it registered and exports', async () => {
    const lib = await loadPlugin(cPlugin('out_jsonl'), { logger });
    expect(lib.name).toBe('jsonl');
    expect(lib.kind).toBe('output');
    expect(lib.description).not.toBe('');
    expect(lib.exports).toEqual(expect.arrayContaining(['FLBPluginRegister', 'FLBPluginInit', 'FLBPluginFlushCtx', 'FLBPluginExitCtx', 'FLBPluginUnregister']));
    expect(lib.exports).not.toContain('FLBPluginFlush');
    expect(lib.go).toBeNull();
  });

  it('names a missing file', async () => {
    const error = await loadError(join(dir, 'nope.so'));
    expect(error.phase).toBe('load');
    expect(error.message).toBe(`cannot load plugin ${join(dir, 'nope.so')}: no such file`);
  });

  it('explains a file that is not ELF', async () => {
    const path = join(dir, 'text.so');
    writeFileSync(path, 'hello, not a plugin\n');
    expect((await loadError(path)).message).toMatch(/text\.so: not an ELF shared object/);
  });

  it('explains a plugin built for another architecture', async () => {
    const path = join(dir, 'arm64.so');
    copyFileSync(cPlugin('out_jsonl'), path);
    const bytes = readFileSync(path);
    bytes.writeUInt16LE(183, 18); // e_machine = EM_AARCH64
    writeFileSync(path, bytes);
    const error = await loadError(path);
    expect(error.message).toMatch(/arm64\.so: built for arm64 \(ELF machine 183\) but this Node runs on x64/);
  });

  it('refuses flb-* native DSO plugins, a different ABI', async () => {
    const path = join(dir, 'flb-out_thing.so');
    copyFileSync(cPlugin('out_jsonl'), path);
    expect((await loadError(path)).message).toMatch(/native C DSO plugins, a different ABI/);
  });

  it('passes dlerror on verbatim, with a hint, for a static-TLS failure', async () => {
    const error = await loadError(cPlugin('tls_heavy'));
    expect(error.phase).toBe('load');
    expect(error.dlerror).toMatch(/tls_heavy\.so: cannot allocate memory in static TLS block/);
    expect(error.message).toContain(`dlopen failed: ${error.dlerror}`);
    expect(error.message).toMatch(/hint: .*initial-exec thread-local storage/);
  });

  it('refuses output instances of a plugin registered for metrics only', async () => {
    const lib = await loadPlugin(cPlugin('broken_metrics_only'), { logger });
    expect(lib.eventType).toBe(2);
    await expect(lib.createOutput()).rejects.toThrow(/broken: registered for event type 2 \(metrics\), not logs; flbhost delivers logs only/);
  });

  it.each([
    ['broken_no_register', 'load', /FLBPluginRegister is not exported: this is not a Fluent Bit proxy plugin/],
    ['broken_register_fails', 'register', /FLBPluginRegister returned -1/],
    ['broken_bad_proxy', 'register', /registered proxy kind 12; only 11/],
    ['broken_bad_type', 'register', /registered plugin type 7; expected 1 \(input\), 2 \(output\) or 3 \(custom\)/],
    ['broken_no_init', 'load', /FLBPluginInit is not exported/],
    ['broken_no_flush', 'load', /must export FLBPluginFlush or FLBPluginFlushCtx; this one exports neither/],
  ])('%s fails in phase %s with a clear error naming the file', async (name, phase, pattern) => {
    const error = await loadError(cPlugin(name));
    expect(error.phase).toBe(phase);
    expect(error.path).toBe(cPlugin(name));
    expect(error.message).toContain(cPlugin(name));
    expect(error.message).toMatch(pattern);
    // A failed registration is remembered: loading again gives the same
    // answer without calling Register a second time.
    expect((await loadError(cPlugin(name))).message).toBe(error.message);
  });
});
