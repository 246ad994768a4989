import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeChunk, MsgpackExtension } from '../../src/events/decoder.js';
import { encodeChunk } from '../../src/events/encoder.js';
import { EventTime } from '../../src/events/event-time.js';

const bytes = (...parts: Array<number[] | Uint8Array>) => Uint8Array.from(parts.flatMap((p) => [...p]));
const record = (value: unknown) => pack(value) as Uint8Array;
const EXT0 = [0xd7, 0x00, 0, 0, 0, 7, 0, 0, 0, 9];

describe('decodeChunk (input data)', () => {
  it('accepts every timestamp shape Fluent Bit accepts', () => {
    const chunk = bytes(
      [0x92], EXT0, record({ a: 1 }), // fixext8 EventTime
      [0x92, 0xc7, 0x08, 0x00, 0, 0, 0, 8, 0, 0, 0, 1], record({ a: 2 }), // ext8 EventTime
      [0x92, 0xce, 0x65, 0x53, 0xf1, 0x00], record({ a: 3 }), // uint32 seconds
      [0x92, 0x05], record({ a: 4 }), // positive fixint seconds
      [0x92, 0xcb], new Uint8Array(new Float64Array([12.25]).buffer).reverse(), record({ a: 5 }), // float seconds
    );
    const { events, failure } = decodeChunk(chunk, 't');
    expect(failure).toBeUndefined();
    expect(events.map((e) => [e.time.seconds, e.time.nanoseconds])).toEqual([
      [7, 9],
      [8, 1],
      [1700000000, 0],
      [5, 0],
      [12, 250_000_000],
    ]);
    expect(events.map((e) => e.record.a)).toEqual([1, 2, 3, 4, 5]);
    expect(events.every((e) => e.tag === 't')).toBe(true);
  });

  it('decodes v2 metadata and gives v1 events empty metadata', () => {
    const { events } = decodeChunk(bytes([0x92, 0x92], EXT0, record({ m: 'x' }), record({ a: 1 }), [0x92], EXT0, record({ b: 2 })), 't');
    expect(events[0]).toMatchObject({ metadata: { m: 'x' }, record: { a: 1 } });
    expect(events[1]).toMatchObject({ metadata: {}, record: { b: 2 } });
  });

  it('decodes msgpack timestamps (ext -1) inside records as Dates, in all three sizes', () => {
    const ts32 = [0xd6, 0xff, 0x65, 0x53, 0xf1, 0x00];
    const ts64 = [0xd7, 0xff, ...[0x07, 0x27, 0x0e, 0x00], ...[0x65, 0x53, 0xf1, 0x00]]; // 30,000,000 ns << 2
    const ts96 = [0xc7, 0x0c, 0xff, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00];
    const chunk = bytes([0x92], EXT0, [0x83, 0xa1, 0x61], ts32, [0xa1, 0x62], ts64, [0xa1, 0x63], ts96);
    const { events, failure } = decodeChunk(chunk, 't');
    expect(failure).toBeUndefined();
    expect(events[0]!.record).toEqual({ a: new Date(1700000000_000), b: new Date(1700000000_030), c: new Date(1700000000_000) });
  });

  it('round-trips the encoder, EventTime inside records and big integers included', () => {
    const chunk = encodeChunk([{ time: new EventTime(1, 2), record: { nested: { list: [1, 'x', null, true] }, big: 2n ** 60n, neg: -5, bin: Buffer.from('hi') } }]);
    const { events } = decodeChunk(chunk.data, 'x');
    expect(events[0]!.record).toEqual({ nested: { list: [1, 'x', null, true] }, big: 2n ** 60n, neg: -5, bin: Buffer.from('hi') });
    const withTime = decodeChunk(bytes([0x92], EXT0, [0x81, 0xa1, 0x74], EXT0), 'x').events[0]!.record;
    expect(withTime.t).toEqual(new EventTime(7, 9));
    const ext = decodeChunk(bytes([0x92], EXT0, [0x81, 0xa1, 0x65, 0xd4, 0x05, 0x2a]), 'x').events[0]!.record.e;
    expect(ext).toBeInstanceOf(MsgpackExtension);
    expect(ext).toMatchObject({ type: 5, data: Buffer.from([0x2a]) });
  });

  it('keeps a __proto__ key as data instead of replacing the prototype', () => {
    const { events } = decodeChunk(bytes([0x92], EXT0, [0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]), 't');
    const rec = events[0]!.record;
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(Object.keys(rec)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('stops at the first malformed event and keeps the valid ones before it', () => {
    const good = bytes([0x92], EXT0, record({ ok: true }));
    const cases: Array<[Uint8Array, RegExp]> = [
      [bytes([0x2a]), /an event must be a 2-element array/],
      [bytes([0x92, 0xd6, 0xff, 0, 0, 0, 1], record({})), /timestamp must be an EventTime .* got ext type -1 \(4 bytes\)/],
      [bytes([0x92, 0xff], record({})), /the timestamp -1 is not a time/],
      [bytes([0x92], EXT0, [0x91, 0x01]), /the record must be a map; got array of 1/],
      [bytes([0x92], EXT0, [0x82, 0xa1, 0x61]), /truncated/],
      [bytes([0x92], EXT0, [0x81, 0xa1, 0x61, 0xc1]), /0xc1/],
      [bytes([0x92, 0xd7, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], record({})), /group marker/],
    ];
    for (const [bad, pattern] of cases) {
      const { events, failure } = decodeChunk(bytes(good, good, bad, good), 't');
      expect(events).toHaveLength(2);
      expect(failure?.event).toBe(2);
      expect(failure?.offset).toBeGreaterThanOrEqual(good.length * 2);
      expect(failure?.message).toMatch(pattern);
    }
  });
});
