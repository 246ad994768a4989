import { describe, expect, it } from 'vitest';
import { encodeChunk } from '../../src/events/encoder.js';
import type { Chunk } from '../../src/events/chunk.js';
import type { Named, StoredChunk } from '../../src/engine/store/chunk-store.js';
import { MemoryChunkStore } from '../../src/engine/store/memory-store.js';
import { Pipeline } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { recordingOutput } from '../helpers/test-output.js';

const input = (name: string): Named => ({ name });
const output = (name: string): Named => ({ name });

/** A real encoded batch of `records` events, each about `pad` bytes. */
function batch(records: number, pad = 10): Chunk {
  return encodeChunk(Array.from({ length: records }, (_, i) => ({ time: 1700000000 + i, record: { i, pad: 'x'.repeat(pad) } })));
}

function storeWithLog(chunkSize = 1 << 20) {
  const opened: StoredChunk[] = [];
  const sealed: StoredChunk[] = [];
  const store = new MemoryChunkStore<Named, Named>({ chunkSize, listener: { opened: (c) => void opened.push(c), sealed: (c) => void sealed.push(c) } });
  return { store, opened, sealed };
}

describe('memory chunk store: chunks per input and tag', () => {
  it('keeps one open chunk per input and tag, routed when it opens, pieces in append order without copying', () => {
    const { store, opened, sealed } = storeWithLog();
    const a = input('a');
    const b = input('b');
    const out1 = output('out1');
    const first = batch(2);
    const second = batch(3);
    store.append(a, 't', [out1], first);
    store.append(a, 't', [out1], second);
    store.append(b, 't', [out1], batch(1)); // same tag, other input: its own chunk
    store.append(a, 'u', [out1], batch(1)); // same input, other tag: its own chunk
    expect(opened.map((c) => [c.input.name, c.tag])).toEqual([
      ['a', 't'],
      ['b', 't'],
      ['a', 'u'],
    ]);
    expect(sealed).toEqual([]);
    store.sealAll();
    const at = sealed.find((c) => c.input === a && c.tag === 't')!;
    expect(at).toMatchObject({ records: 5, bytes: first.data.length + second.data.length, sealed: true, up: true });
    expect(at.routes).toEqual([out1]);
    expect(store.pieces(at).map((p) => p.data)).toEqual([first.data, second.data]);
    expect(store.pieces(at)[0]!.data).toBe(first.data); // the batch itself, no copy
    expect(new Set(sealed.map((c) => c.id)).size).toBe(3);
  });

  it('seals before a batch would pass the chunk size, and at once when a chunk reaches it', () => {
    const one = batch(1, 100).data.length;
    const { store, opened, sealed } = storeWithLog(one * 3);
    const a = input('a');
    for (let i = 0; i < 3; i++) store.append(a, 't', [output('o')], batch(1, 100));
    expect(sealed).toHaveLength(1); // reached the size on the third
    expect(sealed[0]!.records).toBe(3);
    store.append(a, 't', [output('o')], batch(2, 100));
    store.append(a, 't', [output('o')], batch(2, 100)); // 4 would pass 3: the first two go alone
    expect(sealed.map((c) => c.records)).toEqual([3, 2]);
    store.append(a, 't', [output('o')], batch(5, 100)); // a single larger batch stays whole
    expect(sealed.map((c) => c.records)).toEqual([3, 2, 2, 5]);
    expect(opened).toHaveLength(4);
  });
});

describe('memory chunk store: settle', () => {
  it('removes a chunk only once every output it was routed to has settled it (delivered or dropped)', () => {
    const { store, sealed } = storeWithLog();
    const [o1, o2, o3] = [output('o1'), output('o2'), output('o3')];
    store.append(input('a'), 't', [o1, o2, o3], batch(1));
    store.sealAll();
    const chunk = sealed[0]!;
    expect(store.size).toBe(1);
    expect(store.settle(chunk, o2, 'dropped')).toBe(false);
    expect(store.settle(chunk, o1, 'delivered')).toBe(false);
    expect(store.size).toBe(1);
    expect(store.settle(chunk, o3, 'abandoned')).toBe(true);
    expect(store.size).toBe(0);
  });

  it('an output routed twice owes the chunk twice', () => {
    const { store, sealed } = storeWithLog();
    const o = output('same-alias');
    store.append(input('a'), 't', [o, o], batch(1));
    store.sealAll();
    expect(store.settle(sealed[0]!, o, 'delivered')).toBe(false);
    expect(store.settle(sealed[0]!, o, 'delivered')).toBe(true);
  });

  it('refuses to settle twice, for an output it was not routed to, or while open', () => {
    const { store, opened, sealed } = storeWithLog();
    const [o1, o2, stranger] = [output('o1'), output('o2'), output('stranger')];
    store.append(input('a'), 't', [o1, o2], batch(1));
    expect(() => store.settle(opened[0]!, o1, 'delivered')).toThrow(/still open/);
    store.sealAll();
    const chunk = sealed[0]!;
    expect(() => store.settle(chunk, stranger, 'delivered')).toThrow(/stranger does not owe chunk/);
    store.settle(chunk, o1, 'delivered');
    expect(() => store.settle(chunk, o1, 'delivered')).toThrow(/o1 does not owe chunk/);
    store.settle(chunk, o2, 'delivered');
    expect(() => store.settle(chunk, o2, 'delivered')).toThrow(/not in the store/);
  });

  it('ignores late settles after close, has no backlog, and brings nothing up (always up)', async () => {
    const { store, sealed } = storeWithLog();
    const o = output('o');
    store.append(input('a'), 't', [o], batch(1));
    store.sealAll();
    await expect(store.backlog(input('backlog'), () => [o], () => o)).resolves.toEqual([]);
    await store.bringUp(sealed[0]!);
    expect(sealed[0]!.up).toBe(true);
    await store.close();
    expect(store.settle(sealed[0]!, o, 'delivered')).toBe(false);
    expect(store.settle(sealed[0]!, o, 'delivered')).toBe(false);
  });
});

describe('chunks in a pipeline', () => {
  it('are per input and tag: two inputs with the same tag make two chunks, each flushed once per output', async () => {
    const one = recordingOutput('one');
    const two = recordingOutput('two');
    const p = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 60, grace: 5 },
      register: [one.factory, two.factory],
      inputs: [
        { name: 'lib', tag: 'same' },
        { name: 'lib', tag: 'same' },
      ],
      outputs: [
        { name: 'one', match: '*' },
        { name: 'two', match: 'same' },
      ],
    });
    await p.start();
    for (let i = 0; i < 3; i++) p.input('lib.0').push({ from: 0, i });
    for (let i = 0; i < 2; i++) p.input('lib.1').push({ from: 1, i });
    await p.stop();
    for (const out of [one, two]) {
      expect(out.calls.map((c) => c.events.map((e) => e.record.from)).sort()).toEqual([[0, 0, 0], [1, 1]]);
    }
    expect(p.metrics().outputs['one.0']).toMatchObject({ chunks: 2, records: 5, queuedChunks: 0, queuedBytes: 0 });
  });
});
