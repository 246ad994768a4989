import { unpackMultiple } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { validateChunk } from '../../src/events/chunk.js';
import { ChunkWriter, encodeChunk } from '../../src/events/encoder.js';
import { EventTime } from '../../src/events/event-time.js';

function eventTimeAt(data: Uint8Array, offset: number): [number, number] {
  expect(data[offset]).toBe(0xd7);
  expect(data[offset + 1]).toBe(0x00);
  const view = new DataView(data.buffer, data.byteOffset + offset + 2, 8);
  return [view.getUint32(0), view.getUint32(4)];
}

describe('encodeChunk', () => {
  it('writes v1 events [EventTime, record] by default', () => {
    const chunk = encodeChunk([{ time: new EventTime(10, 20), record: { a: 1 } }]);
    expect(chunk.format).toBe('v1');
    expect(chunk.events).toBe(1);
    expect([...chunk.data]).toEqual([0x92, 0xd7, 0x00, 0, 0, 0, 10, 0, 0, 0, 20, 0x81, 0xa1, 0x61, 0x01]);
  });

  it('writes v2 events [[EventTime, metadata], record], {} when no metadata', () => {
    const chunk = encodeChunk(
      [
        { time: new EventTime(1, 2), record: { a: 1 } },
        { time: new EventTime(3, 4), record: { b: 2 }, metadata: { m: 'x' } },
      ],
      { format: 'v2' },
    );
    expect(chunk.data.subarray(0, 2)).toEqual(new Uint8Array([0x92, 0x92]));
    expect(eventTimeAt(chunk.data, 2)).toEqual([1, 2]);
    expect(chunk.data[12]).toBe(0x80);
    const values = unpackMultiple(Buffer.from(chunk.data)) as unknown[];
    expect(values).toHaveLength(2);
    expect((values[1] as unknown[])[1]).toEqual({ b: 2 });
    expect(((values[1] as unknown[])[0] as unknown[])[1]).toEqual({ m: 'x' });
  });

  it('encodes arrays JSON-style: undefined and functions become nil', () => {
    const chunk = encodeChunk([{ time: new EventTime(1, 1), record: { list: [undefined, () => 1, null, 2] } }]);
    const decoded = (unpackMultiple(Buffer.from(chunk.data)) as unknown[][])[0]![1] as Record<string, unknown>;
    expect(decoded.list).toEqual([null, null, null, 2]);
  });

  it('keeps an EventTime inside a record as an 8-byte ext 0', () => {
    const chunk = encodeChunk([{ time: new EventTime(1, 1), record: { at: new EventTime(5, 6) } }]);
    expect(validateChunk(chunk.data).events).toBe(1);
    expect([...chunk.data.subarray(-10)]).toEqual([0xd7, 0x00, 0, 0, 0, 5, 0, 0, 0, 6]);
  });

  it('produces chunks the validator accepts, for awkward record values', () => {
    const awkward = {
      undef: undefined,
      nested: { deep: [1, 'two', { three: null }], empty: {} },
      date: new Date(0),
      big: 123n,
      bytes: Buffer.from('hi'),
      floats: new Float64Array([1.5]),
      set: new Set([1]),
      map: new Map<unknown, unknown>([[1, 'one']]),
      fn: () => 1,
      unicode: 'é😀',
      long: 'x'.repeat(70_000),
    };
    const chunk = encodeChunk([{ record: awkward }, { record: new Map([['k', 'v']]) }], { format: 'v2' });
    expect(() => validateChunk(chunk.data, 'v2')).not.toThrow();
    const decoded = (unpackMultiple(Buffer.from(chunk.data)) as unknown[][])[0]![1] as Record<string, unknown>;
    // JSON's rules: undefined and functions are left out, a Date is its ISO string.
    expect('undef' in decoded).toBe(false);
    expect('fn' in decoded).toBe(false);
    expect(decoded.date).toBe('1970-01-01T00:00:00.000Z');
    expect(decoded.big).toBe(123n); // bigints stay 64-bit integers
    expect(decoded.set).toEqual([1]);
    expect(decoded.unicode).toBe('é😀');
    expect(decoded.long).toHaveLength(70_000);
  });

  it('writes integers in the smallest MessagePack form, exactly, up to the safe-integer limits', () => {
    const values = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 1700000000123, Number.MAX_SAFE_INTEGER,
      -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), -(2 ** 32) - 1, -1700000000123, Number.MIN_SAFE_INTEGER];
    const chunk = encodeChunk(values.map((n) => ({ time: new EventTime(1, 0), record: { n } })));
    const view = new DataView(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
    // Each event is [time, {n: value}]: the value starts 14 bytes in (0x92, 10-byte time, 0x81, 0xa1 'n').
    let at = 0;
    for (const n of values) {
      const tag = chunk.data[at + 14]!;
      const size = tag <= 0x7f || tag >= 0xe0 ? 1 : { 0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9, 0xd0: 2, 0xd1: 3, 0xd2: 5, 0xd3: 9 }[tag]!;
      const expectedSize = n >= 0 ? (n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 2 ** 32 ? 5 : 9) : n >= -32 ? 1 : n >= -128 ? 2 : n >= -32768 ? 3 : n >= -(2 ** 31) ? 5 : 9;
      expect(size, `${n}`).toBe(expectedSize);
      if (size === 9) expect(tag === 0xcf ? view.getBigUint64(at + 15) : view.getBigInt64(at + 15), `${n}`).toBe(BigInt(n));
      at += 14 + size;
    }
    const decoded = (unpackMultiple(Buffer.from(chunk.data)) as unknown[][]).map((event) => Number((event[1] as { n: number | bigint }).n));
    expect(decoded).toEqual(values);
  });

  it('reads each property once, so a getter that changes its answer cannot corrupt the chunk', () => {
    let reads = 0;
    const record = {
      get flips() {
        reads++;
        return reads % 2 === 0 ? 'now kept' : undefined;
      },
      n: 1,
    };
    const chunk = encodeChunk([{ time: new EventTime(1, 0), record }, { time: new EventTime(2, 0), record: { after: true } }]);
    const events = unpackMultiple(Buffer.from(chunk.data)) as unknown[][];
    expect(events).toHaveLength(2); // a wrong map count would shift every byte after it
    expect(reads).toBe(1);
    expect(events[0]![1]).toEqual({ n: 1 });
    expect(events[1]![1]).toEqual({ after: true });
  });

  it('names the event that cannot be encoded', () => {
    expect(() => encodeChunk([{ record: { a: 1 } }, { record: 'text' as never }])).toThrow(/event 1: record must be an object or a Map; got string/);
    expect(() => encodeChunk([{ record: [1] as never }])).toThrow(/event 0: record must be an object or a Map; got an array/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => encodeChunk([{ record: circular }])).toThrow(/event 0: record cannot be encoded as MessagePack: nesting deeper than 100/);
    expect(() => encodeChunk([{ record: { n: 2n ** 70n } }])).toThrow(/does not fit in a 64-bit MessagePack integer/);
    expect(() => encodeChunk([{ record: new Map([[{}, 1]]) }])).toThrow(/a Map key must be a string, number, bigint or boolean; got object/);
    expect(() => encodeChunk([null as never])).toThrow(/event 0: expected \{ time\?, record, metadata\? \}/);
  });

  it('grows past its initial buffer and resets after finish()', () => {
    const writer = new ChunkWriter('v1', 16);
    for (let i = 0; i < 1000; i++) writer.append({ time: new EventTime(i, i), record: { i } });
    const chunk = writer.finish();
    expect(chunk.events).toBe(1000);
    expect(validateChunk(chunk.data).events).toBe(1000);
    expect(writer.events).toBe(0);
    expect(writer.byteLength).toBe(0);
    // The chunk owns exactly its bytes (queue limits count them), not the
    // grown encode buffer, which the writer keeps and reuses.
    expect(chunk.data.buffer.byteLength).toBe(chunk.data.byteLength);
    writer.append({ time: new EventTime(1, 1), record: { again: true } });
    const next = writer.finish();
    expect(next.data.buffer).not.toBe(chunk.data.buffer);
    expect(validateChunk(chunk.data).events).toBe(1000); // untouched by the next batch
  });
});
