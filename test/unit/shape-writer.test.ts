import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { RecordEncoder } from '../../src/events/record-encoder.js';
import { shapeWriterFor } from '../../src/events/shape-writer.js';

/** Encodes `record` `times` times with one encoder; returns every encoding. */
function encodings(make: (i: number) => object, times = 5): Buffer[] {
  const encoder = new RecordEncoder(256);
  const out: Buffer[] = [];
  for (let i = 0; i < times; i++) {
    const start = encoder.position;
    encoder.writeRecord(make(i));
    out.push(Buffer.from(encoder.buffer.subarray(start, encoder.position)));
  }
  return out;
}

/** JSON's view of a value, which both encoder paths follow. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('shape writers', () => {
  it('write the same bytes as the first (general) encoding once a shape is compiled', () => {
    // 'ééééééééééé' is 11 UTF-16 units, 22 UTF-8 bytes: the general path sizes
    // a str header for the worst case (33 bytes, str8), and the compiled key
    // bytes must match that header, not the shorter fixstr.
    const make = (i: number) => ({ level: 30, msg: `m${i % 1}`, req: { method: 'GET', n: 1.5 }, tags: ['a', 1], ok: true, none: null, ééééééééééé: 'é' });
    const [first, ...rest] = encodings(make);
    expect(shapeWriterFor(make(0), new RecordEncoder(64))).not.toBeNull();
    for (const bytes of rest) expect(bytes.equals(first!)).toBe(true);
    expect(unpack(first!)).toEqual(asJson(make(0)));
  });

  it('write wide records (a map16 header) and every kind of value as the general path does', () => {
    // 18 keys: past fixmap. Strings either side of the 32-unit fixstr limit,
    // non-ASCII, numbers either side of each in-place integer form, values
    // the writer hands back to the encoder (floats, -0, NaN, bigint, arrays,
    // Dates), and a value whose type changes between records.
    const make = (i: number) => ({
      s31: 'a'.repeat(31), s32: 'b'.repeat(32), utf: `ü${i % 1}`, empty: '',
      n127: 127, n128: 128, n255: 255, n256: 256, n65535: 65535, n65536: 65536,
      neg: -1, float: 1.5, negZero: -0, nan: NaN, big: 2n ** 40n,
      list: [1, 'x', null], when: new Date(0), varies: i % 2 === 0 ? 'text' : true,
    });
    const [first, second, ...rest] = encodings(make, 6);
    expect(shapeWriterFor(make(0), new RecordEncoder(64))).not.toBeNull();
    expect(first![0]).toBe(0xde); // map16
    for (const bytes of rest.filter((_, i) => i % 2 === 1)) expect(bytes.equals(second!)).toBe(true);
    for (const bytes of rest.filter((_, i) => i % 2 === 0)) expect(bytes.equals(first!)).toBe(true);
    const decoded = unpack(first!, { useBigInt64: true } as never) as Record<string, unknown>;
    expect({ ...decoded, big: undefined }).toEqual({ ...asJson({ ...make(0), big: 0 }), big: undefined });
    expect(decoded.big).toBe(2n ** 40n);
  });

  it('leave out undefined, function and symbol values as JSON does, in any position', () => {
    const shapes = [
      (i: number) => ({ a: i, b: undefined, c: 'x' }),
      (i: number) => ({ a: undefined, b: () => i, c: Symbol('s'), d: 1 }),
      (i: number) => ({ a: i, b: i % 2 === 0 ? undefined : 'odd' }),
    ];
    for (const make of shapes) {
      const all = encodings(make, 6);
      all.forEach((bytes, i) => expect(unpack(bytes)).toEqual(asJson(make(i))));
    }
  });

  it('decline objects of another shape, prototype or key order, which then encode by the general path', () => {
    const proto = { inherited: 1 };
    const records: object[] = [
      { a: 1, b: 2 },
      { a: 1, b: 2 },
      { b: 2, a: 1 }, // same keys, other order
      { a: 1, b: 2, c: 3 }, // more keys
      { a: 1 }, // fewer
      Object.assign(Object.create(proto), { a: 1, b: 2 }), // enumerable inherited key: JSON ignores it
      Object.assign(Object.create(null), { a: 1, b: 2 }),
    ];
    const keysFrom = new RecordEncoder(64);
    const writer = shapeWriterFor({ a: 0, b: 0 }, keysFrom) ?? shapeWriterFor({ a: 0, b: 0 }, keysFrom);
    expect(writer).not.toBeNull();
    const probe = new RecordEncoder(64);
    expect(writer!(probe, { b: 2, a: 1 }, 0)).toBe(false);
    expect(writer!(probe, Object.assign(Object.create(proto), { a: 1, b: 2 }), 0)).toBe(false);
    expect(probe.position).toBe(0); // a declined object writes nothing
    const encoder = new RecordEncoder(64);
    for (const record of records) {
      const start = encoder.position;
      encoder.writeRecord(record);
      expect(unpack(encoder.buffer.subarray(start, encoder.position))).toEqual(asJson(record));
    }
  });

  it('keep a nested field working when its shape changes from record to record', () => {
    const make = (i: number) => ({ id: i, req: i % 3 === 0 ? { url: '/a' } : i % 3 === 1 ? { url: '/b', method: 'POST' } : new Map([['k', i]]) });
    const all = encodings(make, 9);
    all.forEach((bytes, i) => {
      const expected = make(i);
      expect(unpack(bytes, { mapsAsObjects: true } as never)).toEqual(
        expected.req instanceof Map ? { id: i, req: Object.fromEntries(expected.req) } : asJson(expected),
      );
    });
  });

  it('honour toJSON and class instances by leaving them to the general path', () => {
    class Point {
      constructor(readonly x: number) {}
      toJSON() {
        return { point: this.x };
      }
    }
    const make = (i: number) => ({ p: new Point(i), when: new Date(1700000000000 + i) });
    encodings(make, 4).forEach((bytes, i) => expect(unpack(bytes)).toEqual(asJson(make(i))));
  });

  it('agree with JSON on thousands of generated records whose shapes repeat and whose values vary', () => {
    // A seeded generator (the same records every run): few key names, so
    // shapes repeat and get writers, and values whose kind changes per record,
    // so writers meet every kind at every position, including growing the
    // buffer from a nested object in the middle of a record.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const strings = ['', 'a', 'GET', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(300), 'é', '日本', 'mixed ascii then ü'];
    const numbers = [0, 1, 127, 128, 255, 256, 65535, 65536, -1, -32, -33, 2 ** 31, 2 ** 32 - 1, 1.5, -0.25, NaN];
    const value = (depth: number): unknown => {
      switch (random(depth > 2 ? 6 : 9)) {
        case 0: return strings[random(strings.length)];
        case 1: return numbers[random(numbers.length)];
        case 2: return random(2) === 0;
        case 3: return null;
        case 4: return undefined;
        case 5: return `v${random(1000)}`;
        case 6: return record(depth + 1);
        case 7: return [value(depth + 1), value(depth + 1)];
        default: return new Date(random(1e9) * 1000);
      }
    };
    const keyNames = ['level', 'msg', 'req', 'n', 'ok'];
    const record = (depth: number): Record<string, unknown> => {
      const shape = keyNames.slice(0, 1 + random(keyNames.length));
      return Object.fromEntries(shape.map((key) => [key, value(depth)]));
    };
    const encoder = new RecordEncoder(64); // small: records grow it
    for (let i = 0; i < 3000; i++) {
      const made = record(0);
      const start = encoder.position;
      encoder.writeRecord(made);
      expect(unpack(encoder.buffer.subarray(start, encoder.position))).toEqual(asJson(made));
    }
  });

  it('still refuses nesting deeper than the limit', () => {
    const deep = (depth: number): object => (depth === 0 ? { leaf: 1 } : { next: deep(depth - 1) });
    const encoder = new RecordEncoder(64);
    for (let i = 0; i < 3; i++) encoder.writeRecord(deep(20)); // compiles the shape
    expect(() => encoder.writeRecord(deep(150))).toThrow(/nesting deeper than 100/);
  });
});
