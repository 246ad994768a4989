import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ChunkError, EventTime, loadPlugin, Pipeline, type PluginLibrary } from '../../src/index.js';
import { cPlugin } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

// Real Go c-shared plugins built against github.com/fluent/fluent-bit-go,
// decoding with the library's own decoder (see test/fixtures/go).
const goPlugins = inject('goPlugins');
const dir = tempDir();
let gjsonl: PluginLibrary;

beforeAll(async () => {
  gjsonl = await loadPlugin(goPlugins.out_gjsonl!);
});

describe('Go outputs built with fluent-bit-go', () => {
  it('merge queued chunks up to 8 MiB by default; C outputs do not', async () => {
    const pipeline = new Pipeline({
      plugins: [goPlugins.out_gjsonl!, cPlugin('out_count')],
      outputs: [
        { name: 'gjsonl', match: '*', properties: { path: join(dir, 'unused.jsonl') } },
        { name: 'count', match: '*' },
        { name: 'gjsonl', match: '*', properties: { path: join(dir, 'unused.jsonl'), Flush_Merge_Limit: '2M' } },
      ],
    });
    const { plan } = await pipeline.validate();
    expect(plan.outputs.map((output) => output.flushMergeLimit)).toEqual([8 * 1024 * 1024, 0, 2 * 1024 * 1024]);
  });

  it('registers, and reports its Go toolchain and fluent-bit-go version', () => {
    expect(gjsonl.name).toBe('gjsonl');
    expect(gjsonl.kind).toBe('output');
    expect(gjsonl.exports).toEqual(expect.arrayContaining(['FLBPluginRegister', 'FLBPluginInit', 'FLBPluginFlushCtx', 'FLBPluginExitCtx', 'FLBPluginUnregister']));
    expect(gjsonl.go?.goVersion).toMatch(/^go1\./);
    expect(gjsonl.go?.deps.map((d) => d.path)).toContain('github.com/fluent/fluent-bit-go');
  });

  it.each(['v1', 'v2'] as const)('decodes records, tags and nanosecond timestamps sent as %s', async (eventFormat) => {
    const path = join(dir, `content-${eventFormat}.jsonl`);
    const out = await gjsonl.createOutput({ properties: { path, id: eventFormat }, eventFormat });
    expect(
      await out.flush('app.go', [
        { time: 1700000000_123456789n, record: { msg: 'hello', count: 3, nested: { list: ['a', 1], flag: false } } },
        { time: new EventTime(4000000000, 1), record: { msg: 'after 2038' } },
      ]),
    ).toBe('ok');
    expect(await out.flush('other.tag', [{ time: new EventTime(1, 999_999_999), metadata: { m: 1 }, record: { k: 'v' } }])).toBe('ok');
    await out.close();
    expect(readJsonLines(path)).toEqual([
      { id: eventFormat, tag: 'app.go', sec: 1700000000, nsec: 123456789, record: { msg: 'hello', count: 3, nested: { list: ['a', 1], flag: false } } },
      { id: eventFormat, tag: 'app.go', sec: 4000000000, nsec: 1, record: { msg: 'after 2038' } },
      { id: eventFormat, tag: 'other.tag', sec: 1, nsec: 999999999, record: { k: 'v' } },
      { id: eventFormat, exit: true, flushes: 2 },
    ]);
  });

  it('runs two instances of one Go .so with different configs, each with its own context', async () => {
    const [a, b] = await Promise.all([
      // Merging off: A's two flushes, queued together, would be one call (flushes: 1).
      gjsonl.createOutput({ properties: { path: join(dir, 'inst-a.jsonl'), id: 'A' }, flushMergeLimit: 0 }),
      gjsonl.createOutput({ properties: { PATH: join(dir, 'inst-b.jsonl'), Id: 'B' } }),
    ]);
    await Promise.all([
      a.flush('to.a', [{ time: new EventTime(10, 0), record: { n: 1 } }]),
      b.flush('to.b', [{ time: new EventTime(20, 0), record: { n: 2 } }]),
      a.flush('to.a', [{ time: new EventTime(11, 0), record: { n: 3 } }]),
    ]);
    await Promise.all([a.close(), b.close()]);
    expect(readJsonLines(join(dir, 'inst-a.jsonl'))).toEqual([
      { id: 'A', tag: 'to.a', sec: 10, nsec: 0, record: { n: 1 } },
      { id: 'A', tag: 'to.a', sec: 11, nsec: 0, record: { n: 3 } },
      { id: 'A', exit: true, flushes: 2 },
    ]);
    expect(readJsonLines(join(dir, 'inst-b.jsonl'))).toEqual([
      { id: 'B', tag: 'to.b', sec: 20, nsec: 0, record: { n: 2 } },
      { id: 'B', exit: true, flushes: 1 },
    ]);
  });

  it('runs two different Go .so (two Go runtimes) in one process', async () => {
    const tagcount = await loadPlugin(goPlugins.out_gtagcount!);
    expect(tagcount.name).toBe('gtagcount');
    expect(tagcount.exports).toContain('FLBPluginFlush');
    expect(tagcount.exports).not.toContain('FLBPluginFlushCtx');
    const countsPath = join(dir, 'counts.jsonl');
    const jsonPath = join(dir, 'both.jsonl');
    const counter = await tagcount.createOutput({ properties: { path: countsPath } });
    const writer = await gjsonl.createOutput({ properties: { path: jsonPath, id: 'W' } });
    const events = Array.from({ length: 50 }, (_, i) => ({ time: new EventTime(100 + i, i), record: { i } }));
    await Promise.all([counter.flush('x', events), counter.flush('y', events.slice(0, 7)), writer.flush('x', events)]);
    await Promise.all([counter.close(), writer.close()]);
    expect(readJsonLines(countsPath).map((line) => (line as { counts: unknown }).counts)).toEqual([{ x: 50, y: 7 }]);
    const written = readJsonLines(jsonPath);
    expect(written).toHaveLength(51);
    expect(written[49]).toEqual({ id: 'W', tag: 'x', sec: 149, nsec: 49, record: { i: 49 } });
  });

  it('refuses chunks that would make fluent-bit-go panic, and the process lives on', async () => {
    const path = join(dir, 'guarded.jsonl');
    const out = await gjsonl.createOutput({ properties: { path, id: 'G' } });
    // A bare scalar: fluent-bit-go's GetRecord panics on it (reflect.Value.Len on int64).
    await expect(out.flush('t', Uint8Array.from([0x01]))).rejects.toBeInstanceOf(ChunkError);
    // A 1-byte ext 0 inside a record: decoded as an 8-byte EventTime, out of range.
    await expect(out.flush('t', Uint8Array.from([0x92, 0xd7, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x81, 0xa1, 0x61, 0xd4, 0x00, 0x00]))).rejects.toThrow(/ext type 0/);
    expect(await out.flush('t', [{ time: new EventTime(5, 5), record: { still: 'alive' } }])).toBe('ok');
    await out.close();
    expect(readJsonLines(path)).toEqual([
      { id: 'G', tag: 't', sec: 5, nsec: 5, record: { still: 'alive' } },
      { id: 'G', exit: true, flushes: 1 },
    ]);
  });
});
