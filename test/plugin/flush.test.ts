import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkError, encodeChunk, EventTime, FlushCancelledError, loadPlugin } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const dir = tempDir();

describe('flushing into C outputs', () => {
  it('maps FLB_OK, FLB_RETRY, FLB_ERROR and anything else to ok | retry | error', async () => {
    const { logger, lines } = captureLogger();
    const out = await (await loadPlugin(cPlugin('out_status'), { logger })).createOutput();
    const one = [{ record: { a: 1 } }];
    expect(await out.flush('ok', one)).toBe('ok');
    expect(await out.flush('retry', one)).toBe('retry');
    expect(await out.flush('error', one)).toBe('error');
    expect(await out.flush('code.7', one)).toBe('error');
    expect(await out.flush('code.-1', one)).toBe('error');
    await out.close();
    expect(lines.find((l) => l.returnCode === 7)?.msg).toMatch(/flush returned 7, which is not FLB_OK, FLB_RETRY or FLB_ERROR: treated as FLB_ERROR/);
  });

  it('delivers record content, tags and nanosecond timestamps', async () => {
    const path = join(dir, 'content.jsonl');
    const out = await (await loadPlugin(cPlugin('out_jsonl'))).createOutput({ properties: { path } });
    await out.flush('app.one', [
      { time: 1700000000_123456789n, record: { msg: 'hello', n: 42, nested: { ok: true, list: [1, 'x'] } } },
      { time: new EventTime(1700000001, 999_999_999), record: { msg: 'second' } },
    ]);
    await out.flush('app.two', [{ time: new Date(1700000002005), record: { msg: 'third' } }]);
    await out.close();
    expect(readJsonLines(path)).toEqual([
      { tag: 'app.one', sec: 1700000000, nsec: 123456789, record: { msg: 'hello', n: 42, nested: { ok: true, list: [1, 'x'] } } },
      { tag: 'app.one', sec: 1700000001, nsec: 999999999, record: { msg: 'second' } },
      { tag: 'app.two', sec: 1700000002, nsec: 5000000, record: { msg: 'third' } },
    ]);
  });

  it('sends v2 events with metadata when the instance asks for v2', async () => {
    const path = join(dir, 'v2.jsonl');
    const out = await (await loadPlugin(cPlugin('out_jsonl'))).createOutput({ properties: { path }, eventFormat: 'v2' });
    await out.flush('t', [{ time: new EventTime(1, 2), metadata: { source: 'x' }, record: { a: 1 } }]);
    // A v1 chunk flushed to a v2 instance is converted (metadata {}).
    await out.flush('t', encodeChunk([{ time: new EventTime(3, 4), record: { b: 2 } }]));
    await out.close();
    expect(readJsonLines(path)).toEqual([
      { tag: 't', sec: 1, nsec: 2, metadata: { source: 'x' }, record: { a: 1 } },
      { tag: 't', sec: 3, nsec: 4, metadata: {}, record: { b: 2 } },
    ]);
  });

  it('runs two instances of one .so with their own configuration', async () => {
    const lib = await loadPlugin(cPlugin('out_jsonl'));
    const [a, b] = await Promise.all([
      lib.createOutput({ properties: { path: join(dir, 'a.jsonl'), label: 'A' } }),
      lib.createOutput({ properties: { Path: join(dir, 'b.jsonl'), LABEL: 'B' } }),
    ]);
    expect(a.name).not.toBe(b.name);
    await Promise.all([a.flush('x', [{ time: new EventTime(1, 0), record: { to: 'a' } }]), b.flush('y', [{ time: new EventTime(2, 0), record: { to: 'b' } }])]);
    await Promise.all([a.close(), b.close()]);
    expect(readJsonLines(join(dir, 'a.jsonl'))).toEqual([{ tag: 'x', sec: 1, nsec: 0, record: { to: 'a' }, label: 'A' }]);
    expect(readJsonLines(join(dir, 'b.jsonl'))).toEqual([{ tag: 'y', sec: 2, nsec: 0, record: { to: 'b' }, label: 'B' }]);
  });

  it('expands ${ENV} in properties and hides reserved keys from the plugin', async () => {
    process.env.FLBHOST_TEST_DIR = dir;
    const out = await (await loadPlugin(cPlugin('out_jsonl'))).createOutput({
      // `label` is read by the plugin; `match` and `workers` are host keys it must not see.
      properties: [
        ['path', '${FLBHOST_TEST_DIR}/env.jsonl'],
        ['match', 'should-not-leak'],
        ['label', '${FLBHOST_TEST_UNSET_VAR}'],
      ],
    });
    await out.flush('t', [{ time: new EventTime(1, 0), record: {} }]);
    await out.close();
    // label expanded to nothing, so the plugin read NULL and wrote no label.
    expect(readJsonLines(join(dir, 'env.jsonl'))).toEqual([{ tag: 't', sec: 1, nsec: 0, record: {} }]);
  });

  it('refuses malformed chunks before the plugin sees them', async () => {
    const path = join(dir, 'never.jsonl');
    const out = await (await loadPlugin(cPlugin('out_jsonl'))).createOutput({ properties: { path } });
    await expect(out.flush('t', Uint8Array.from([0x2a]))).rejects.toBeInstanceOf(ChunkError);
    await expect(out.flush('t', Uint8Array.from([0x92, 0x01, 0x80]))).rejects.toThrow(/invalid chunk: event 0 at byte 1: the timestamp must be an EventTime/);
    await expect(out.flush('', [{ record: {} }])).rejects.toThrow(/tag must be a non-empty string/);
    expect(await out.flush('t', new Uint8Array(0))).toBe('ok'); // empty chunks are not delivered
    await out.close();
    expect(readJsonLines(path)).toEqual([]);
  });

  it('routes plugin log lines to the host logger with plugin and instance, honouring log_level', async () => {
    const { logger, lines } = captureLogger('trace');
    const lib = await loadPlugin(cPlugin('out_jsonl'), { logger });
    const quiet = await lib.createOutput({ properties: { path: join(dir, 'quiet.jsonl') }, logLevel: 'info' });
    const chatty = await lib.createOutput({ properties: { path: join(dir, 'chatty.jsonl') }, logLevel: 'debug' });
    await quiet.flush('t', [{ record: { a: 1 } }]);
    await chatty.flush('t', [{ record: { a: 1 } }]);
    await Promise.all([quiet.close(), chatty.close()]);
    await waitFor(() => lines.some((l) => l.instance === chatty.name && /flushed 1 record/.test(l.msg)), 5000, 'the debug line');
    const started = lines.find((l) => l.instance === quiet.name && /writing to/.test(l.msg));
    expect(started).toMatchObject({ level: 30, plugin: 'jsonl', instance: quiet.name });
    expect(lines.find((l) => l.instance === chatty.name && /flushed/.test(l.msg))).toMatchObject({ level: 20, plugin: 'jsonl' });
    // log_check said no to the info-level instance, so it never logged debug.
    expect(lines.some((l) => l.instance === quiet.name && /flushed/.test(l.msg))).toBe(false);
  });

  it('runs up to `workers` flushes of one instance at once', async () => {
    const lib = await loadPlugin(cPlugin('out_sleep'));
    // Merging off: four flushes of one tag queued together could be fewer calls.
    const out = await lib.createOutput({ properties: { sleep_ms: 300 }, workers: 4, flushMergeLimit: 0 });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 4 }, () => out.flush('t', [{ record: {} }])));
    const elapsed = Date.now() - started;
    await out.close();
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
    // Serial would take 1200 ms; concurrent takes about 300.
    expect(elapsed).toBeLessThan(1000);
  });

  it('cancelQueued() drops the flushes not yet started; the one inside the plugin completes', async () => {
    const out = await (await loadPlugin(cPlugin('out_sleep'))).createOutput({ properties: { sleep_ms: 300 } });
    const running = out.flush('first', [{ record: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the worker has taken it by now
    const queued = [out.flush('second', [{ record: {} }]), out.flush('third', [{ record: {} }])];
    expect(out.cancelQueued()).toBe(2);
    const settled = await Promise.allSettled(queued);
    for (const [i, tag] of ['second', 'third'].entries()) {
      const outcome = settled[i]!;
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(FlushCancelledError);
      expect(error.message).toContain(`'${tag}'`);
    }
    expect(await running).toBe('ok');
    expect(out.cancelQueued()).toBe(0);
    const started = Date.now();
    await out.close(); // nothing queued is left to hold the close up
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('keeps flushes of one instance serial by default', async () => {
    // Merging off: the two queued behind the first would be one call (test/plugin/flush-merge.test.ts).
    const out = await (await loadPlugin(cPlugin('out_sleep'))).createOutput({ properties: { sleep_ms: 150 }, flushMergeLimit: 0 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 3 }, () => out.flush('t', [{ record: {} }])));
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
    await out.close();
  });
});
