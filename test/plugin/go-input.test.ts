import { describe, expect, inject, it } from 'vitest';
import { loadPlugin } from '../../src/index.js';
import { take } from '../helpers/take-events.js';

// Real Go c-shared inputs built against github.com/fluent/fluent-bit-go's
// input package (see test/fixtures/go).
const goPlugins = inject('goPlugins');

describe('Go inputs built with fluent-bit-go', () => {
  it('collects records encoded by the library (NewEncoder, C.CBytes), nanoseconds included', async () => {
    const lib = await loadPlugin(goPlugins.in_gdummy!);
    expect(lib.kind).toBe('input');
    expect(lib.exports).toEqual(expect.arrayContaining(['FLBPluginInputCallback', 'FLBPluginInputCleanupCallback']));
    const input = await lib.createInput({ properties: { records: 3, total: 5, message: 'from go' }, interval: 10 });
    const events = await take(input, 5);
    await input.close();
    expect(events.map((e) => ({ sec: e.time.seconds, nsec: e.time.nanoseconds, record: e.record, tag: e.tag }))).toEqual(
      [0, 1, 2, 3, 4].map((seq) => ({ sec: 1700000000 + seq, nsec: seq, record: { seq, message: 'from go' }, tag: input.name })),
    );
    expect(input.stats()).toMatchObject({ chunks: 2, collectErrors: 0, malformedChunks: 0 });
  });

  it('passes each instance its own context to FLBPluginInputCallbackCtx', async () => {
    const lib = await loadPlugin(goPlugins.in_gctx!);
    expect(lib.exports).toContain('FLBPluginInputCallbackCtx');
    expect(lib.exports).not.toContain('FLBPluginInputCallback');
    const [a, b] = await Promise.all([
      lib.createInput({ properties: { id: 'alpha', records: 2 }, interval: 10 }),
      lib.createInput({ properties: { id: 'beta', records: 1 }, interval: 10 }),
    ]);
    const [fromA, fromB] = await Promise.all([take(a, 4), take(b, 3)]);
    await Promise.all([a.close(), b.close()]);
    // The plugin returns -1 for a context it did not set: none happened.
    expect(a.stats().collectErrors + b.stats().collectErrors).toBe(0);
    expect(fromA.map((e) => [e.record.id, e.record.seq, e.time.seconds])).toEqual([
      ['alpha', 0, 1700000000],
      ['alpha', 1, 1700000001],
      ['alpha', 2, 1700000002],
      ['alpha', 3, 1700000003],
    ]);
    expect(fromB.map((e) => [e.record.id, e.record.seq])).toEqual([
      ['beta', 0],
      ['beta', 1],
      ['beta', 2],
    ]);
  });
});
