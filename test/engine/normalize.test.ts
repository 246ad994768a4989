import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { validateChunk } from '../../src/events/chunk.js';
import { decodeChunk } from '../../src/events/decoder.js';
import { normalizeInputChunk } from '../../src/events/normalize.js';

const bytes = (...parts: Array<number[] | Uint8Array>) => Uint8Array.from(parts.flatMap((p) => [...p]));
const rec = (v: unknown) => pack(v) as Uint8Array;

describe('normalizeInputChunk', () => {
  it('passes fixext8 EventTime events through without copying', () => {
    const data = bytes([0x92, 0xd7, 0, 0, 0, 0, 1, 0, 0, 0, 2], rec({ a: 1 }));
    const { chunk, failure } = normalizeInputChunk(data);
    expect(failure).toBeUndefined();
    expect(chunk.data.buffer).toBe(data.buffer);
    expect(chunk.events).toBe(1);
  });

  it('rewrites integer, float and ext8 timestamps as fixext8 EventTime, so any output can read them', () => {
    const data = bytes(
      [0x92, 0xce, 0x65, 0x53, 0xf1, 0x00], rec({ a: 1 }),
      [0x92, 0xcb], new Uint8Array(new Float64Array([2.5]).buffer).reverse(), rec({ a: 2 }),
      [0x92, 0x92, 0xc7, 0x08, 0x00, 0, 0, 0, 3, 0, 0, 0, 4], rec({ m: 1 }), rec({ a: 3 }),
    );
    const { chunk, failure } = normalizeInputChunk(data);
    expect(failure).toBeUndefined();
    expect(chunk.format).toBe('v2'); // mixed input is made uniform
    expect(() => validateChunk(chunk.data, 'v2')).not.toThrow();
    const events = decodeChunk(chunk.data, 't').events;
    expect(events.map((e) => [e.time.seconds, e.time.nanoseconds, e.record.a])).toEqual([
      [1700000000, 0, 1],
      [2, 500_000_000, 2],
      [3, 4, 3],
    ]);
    expect(events[2]!.metadata).toEqual({ m: 1 });
  });

  it('keeps the valid events before malformed data and says where it failed', () => {
    const good = bytes([0x92, 0x05], rec({ ok: 1 }));
    const { chunk, failure } = normalizeInputChunk(bytes(good, good, [0x92, 0xc1]));
    expect(chunk.events).toBe(2);
    expect(failure).toMatchObject({ event: 2, offset: good.length * 2 + 1 });
    expect(failure!.message).toMatch(/0xc1/);
    expect(decodeChunk(chunk.data, 't').events).toHaveLength(2);
  });

  it('refuses negative timestamps', () => {
    const { chunk, failure } = normalizeInputChunk(bytes([0x92, 0xff], rec({})));
    expect(chunk.events).toBe(0);
    expect(failure!.message).toMatch(/the timestamp -1 is not a time/);
  });
});
