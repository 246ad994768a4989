/**
 * The backend contract: what any Backend (src/backend) must do, as tests
 * that take the backend to check. The in-process backend runs them in
 * in-process.test.ts; the child-process backend of the isolation work must
 * pass the same suite, so it cannot quietly do less.
 *
 * Every test goes through the public .so layer (loadPlugin with { backend })
 * and real C plugins, so it checks what users see: lifecycle, flush results,
 * chunks and log lines arriving at the right instance, metrics, properties.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { loadPlugin, PluginError } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { take } from '../helpers/take-events.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

export function describeBackendContract(name: string, backend: () => Backend): void {
  const dir = tempDir();

  describe(`backend contract: ${name}`, () => {
    it('loads a library and reports what Register wrote', async () => {
      const lib = await loadPlugin(cPlugin('out_jsonl'), { backend: backend() });
      expect(lib.kind).toBe('output');
      expect(lib.name).toBe('jsonl');
      expect(lib.exports).toContain('FLBPluginFlushCtx');
    });

    it('refuses a library whose Register fails, with the phase', async () => {
      const error = await loadPlugin(cPlugin('broken_register_fails'), { backend: backend() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginError);
      expect((error as PluginError).phase).toBe('register');
    });

    it('runs an output: Init, flushes with their results, Exit', async () => {
      const path = `${dir}/contract-out.jsonl`;
      const lib = await loadPlugin(cPlugin('out_jsonl'), { backend: backend() });
      const out = await lib.createOutput({ properties: { path } });
      expect(await out.flush('a', [{ record: { n: 1 } }])).toBe('ok');
      expect(await out.flush('b', [{ record: { n: 2 } }, { record: { n: 3 } }])).toBe('ok');
      await out.close();
      expect(readJsonLines(path).map((l) => (l as { record: { n: number } }).record.n)).toEqual([1, 2, 3]);

      const status = await (await loadPlugin(cPlugin('out_status'), { backend: backend() })).createOutput();
      expect(await status.flush('retry', [{ record: { x: 1 } }])).toBe('retry');
      expect(await status.flush('error', [{ record: { x: 1 } }])).toBe('error');
      await status.close();
    });

    it('fails an instance whose Init fails, with the return code', async () => {
      const lib = await loadPlugin(cPlugin('out_init_fail'), { backend: backend() });
      const error = await lib.createOutput().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginError);
      expect((error as PluginError).phase).toBe('init');
    });

    it('delivers each input instance its own chunks', async () => {
      const lib = await loadPlugin(cPlugin('in_gen_ctx'), { backend: backend() });
      const a = await lib.createInput({ properties: { id: 'a', records: 2 }, interval: 20 });
      const b = await lib.createInput({ properties: { id: 'b', records: 2 }, interval: 20 });
      const [fromA, fromB] = await Promise.all([take(a, 4), take(b, 4)]);
      await Promise.all([a.close(), b.close()]);
      expect(fromA.map((e) => (e.record as { id: string }).id)).toEqual(['a', 'a', 'a', 'a']);
      expect(fromB.map((e) => (e.record as { id: string }).id)).toEqual(['b', 'b', 'b', 'b']);
      expect(a.stats().chunks).toBeGreaterThanOrEqual(2);
    });

    it("routes each instance's log lines to its logger", async () => {
      const { logger, lines } = captureLogger();
      const lib = await loadPlugin(cPlugin('out_jsonl'), { backend: backend(), logger });
      const one = await lib.createOutput({ name: 'one', properties: { path: `${dir}/one.jsonl` } });
      const two = await lib.createOutput({ name: 'two', properties: { path: `${dir}/two.jsonl` } });
      await Promise.all([one.close(), two.close()]);
      await waitFor(() => lines.filter((l) => /writing to/.test(l.msg)).length === 2, 5000, 'both Init log lines');
      expect(lines.find((l) => l.msg.includes('one.jsonl'))).toMatchObject({ plugin: 'jsonl', instance: 'one' });
      expect(lines.find((l) => l.msg.includes('two.jsonl'))).toMatchObject({ plugin: 'jsonl', instance: 'two' });
    });

    it('reports configured properties the plugin never read', async () => {
      const { logger, lines } = captureLogger();
      const lib = await loadPlugin(cPlugin('out_jsonl'), { backend: backend(), logger });
      const out = await lib.createOutput({ properties: { path: `${dir}/typo.jsonl`, pathh: 'x' } });
      await out.close();
      expect(lines.filter((l) => /'pathh'.*never read/.test(l.msg))).toHaveLength(1);
    });
  });
}
