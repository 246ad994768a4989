import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin, PluginError, type PluginLibrary } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

// out_trace / out_init_fail append every call the host makes to the file
// named by FLBHOST_TRACE_FILE (read with getenv at each call).
const traceFile = join(tempDir(), 'trace.log');
process.env.FLBHOST_TRACE_FILE = traceFile;
const trace = () => readFileSync(traceFile, 'utf8').trim().split('\n');

const { logger } = captureLogger();
let tracePlugin: PluginLibrary;
let loadTrace: string[];

beforeAll(async () => {
  tracePlugin = await loadPlugin(cPlugin('out_trace'), { logger });
  loadTrace = trace();
  rmSync(traceFile);
});
afterEach(() => rmSync(traceFile, { force: true }));

describe('output lifecycle', () => {
  it('calls PreRegister(0) then Register at load, once per process', async () => {
    // Once in the loading probe's process (src/isolation/probe.ts), once here.
    expect(loadTrace).toEqual(['[probe] pre_register 0', '[probe] register', 'pre_register 0', 'register']);
    const again = await loadPlugin(cPlugin('out_trace'), { logger });
    expect(again.name).toBe('trace');
    expect(() => trace()).toThrow(/ENOENT/);
  });

  it('calls Init, PreRun(0), FlushCtx, PreExit(0), ExitCtx and Unregister in order', async () => {
    const out = await tracePlugin.createOutput({ properties: { id: 'A' } });
    expect(await out.flush('t.1', [{ record: { n: 1 } }])).toBe('ok');
    await out.close();
    expect(out.state).toBe('closed');
    const lines = trace();
    expect(lines[0]).toBe('init A');
    expect(lines[1]).toBe('pre_run 0');
    expect(lines[2]).toMatch(/^flush_ctx A \d+ t\.1$/);
    expect(lines.slice(3)).toEqual(['pre_exit 0', 'exit_ctx A', 'unregister']);
  });

  it('registers once, unregisters once after the last of several instances', async () => {
    const a = await tracePlugin.createOutput({ properties: { id: 'A' } });
    const b = await tracePlugin.createOutput({ properties: { id: 'B' } });
    await a.close();
    expect(trace()).not.toContain('unregister');
    await b.close();
    expect(trace().filter((l) => l === 'unregister')).toHaveLength(1);
    // A new instance after the Unregister registers again, the way Fluent
    // Bit's hot reload does: PreRegister(1), then Register.
    const c = await tracePlugin.createOutput({ properties: { id: 'C' } });
    await c.close();
    const lines = trace();
    expect(lines.slice(lines.indexOf('unregister') + 1, lines.indexOf('unregister') + 4)).toEqual(['pre_register 1', 'register', 'init C']);
  });

  it('passes each instance its own remote context back verbatim, NULL included', async () => {
    const withContext = await tracePlugin.createOutput({ properties: { id: 'X' } });
    const withoutContext = await tracePlugin.createOutput({ properties: { id: 'Y', null_context: 'true' } });
    await withContext.flush('a', [{ record: { n: 1 } }]);
    await withoutContext.flush('b', [{ record: { n: 1 } }]);
    await withoutContext.close();
    await withContext.close();
    const lines = trace();
    expect(lines).toContainEqual(expect.stringMatching(/^flush_ctx X \d+ a$/));
    expect(lines).toContainEqual(expect.stringMatching(/^flush_ctx null \d+ b$/));
    expect(lines).toContain('exit_ctx null');
    expect(lines).toContain('exit_ctx X');
  });

  it('never calls a plugin again after its Init failed', async () => {
    const lib = await loadPlugin(cPlugin('out_init_fail'), { logger });
    for (const value of ['0', '-1']) {
      const error = await lib.createOutput({ properties: { return: value } }).then(
        () => undefined,
        (e: unknown) => e as PluginError,
      );
      expect(error).toBeInstanceOf(PluginError);
      expect(error!.phase).toBe('init');
      expect(error!.returnCode).toBe(Number(value));
      expect(error!.message).toMatch(new RegExp(`^init_fail\\.\\d+: FLBPluginInit returned ${value}; the instance is not started$`));
    }
    expect(trace()).toEqual(['init', 'init']);
  });

  it('treats Init returning FLB_RETRY (2) as success, like Fluent Bit', async () => {
    const lib = await loadPlugin(cPlugin('out_init_fail'), { logger });
    const out = await lib.createOutput({ properties: { return: '2' } });
    await out.flush('t', [{ record: { a: 1 } }]);
    await out.close();
    expect(trace()).toEqual(['init', 'flush', 'exit']);
  });

  it('refuses flushes after close, and close is idempotent', async () => {
    const out = await tracePlugin.createOutput({ properties: { id: 'Z' } });
    const closing = out.close();
    expect(out.close()).toBe(closing);
    await closing;
    await expect(out.flush('t', [{ record: { a: 1 } }])).rejects.toThrow(/trace\.\d+: cannot flush, the instance is closed/);
  });

  it('waits for queued flushes before Exit', async () => {
    const out = await tracePlugin.createOutput({ properties: { id: 'Q' } });
    const flushes = Array.from({ length: 20 }, (_, i) => out.flush(`t.${i}`, [{ record: { i } }]));
    await out.close();
    expect(await Promise.all(flushes)).toEqual(new Array(20).fill('ok'));
    const lines = trace();
    expect(lines.filter((l) => l.startsWith('flush_ctx'))).toHaveLength(20);
    expect(lines.indexOf('pre_exit 0')).toBeGreaterThan(lines.findLastIndex((l) => l.startsWith('flush_ctx')));
  });
});
