/**
 * The time key (JsonLinesOptions.timeKey, flbhost/pino's `time`) and
 * objectsOnly, against MessagePack written by hand (msgpack-bytes.ts), never
 * by the code under test. A record whose time is taken has a deterministic
 * chunk; one whose time stays gets "now", checked against the clock.
 */
import { describe, expect, it } from 'vitest';
import { nativeJsonLinesToChunks } from '../../src/builtin/json-chunks.js';
import { f64, int, map, nil, str, time, uint, v1, v2, type Bytes } from './msgpack-bytes.js';

const hex = (bytes: Bytes | Uint8Array) => Buffer.from(bytes).toString('hex');
const parse = (text: string, timeKey = 'time') => nativeJsonLinesToChunks(Buffer.from(text), { timeKey, objectsOnly: true });

/** The chunk of one line, which must be one event and no problem. */
function chunkOf(line: string, timeKey?: string): string {
  const { chunks, problems } = parse(`${line}\n`, timeKey);
  expect(problems).toEqual([]);
  expect(chunks).toHaveLength(1);
  expect(chunks[0]!.events).toBe(1);
  return hex(chunks[0]!.data);
}
const taken = (line: string, seconds: number, nanoseconds: number, record: Bytes, timeKey?: string) =>
  expect(chunkOf(line, timeKey)).toBe(hex(v1(time(seconds, nanoseconds), record)));

/** The line's time stays in the record: the event has the time it was parsed at. */
function kept(line: string, record: Bytes): void {
  const before = Date.now();
  const data = Buffer.from(chunkOf(line), 'hex');
  const after = Date.now();
  expect(data[0]).toBe(0x92);
  expect(data.subarray(1, 3).toString('hex')).toBe('d700');
  const ms = data.readUInt32BE(3) * 1000 + Math.floor(data.readUInt32BE(7) / 1e6);
  expect(ms).toBeGreaterThanOrEqual(before - 1);
  expect(ms).toBeLessThanOrEqual(after + 1);
  expect(data.subarray(11).toString('hex')).toBe(hex(record));
}

describe('the time key: epoch milliseconds', () => {
  it('is the event time, exact from the digits, and leaves the record', () => {
    taken('{"level":30,"time":1700000000123,"msg":"hi"}', 1700000000, 123_000_000, map([['level', [0x1e]], ['msg', str('hi')]]));
    taken('{"time":1700000000123}', 1700000000, 123_000_000, map([]));
    taken('{"msg":"last","time":1700000000999}', 1700000000, 999_000_000, map([['msg', str('last')]]));
    taken('{ "time" : 1700000000000 , "a" : 1 }', 1700000000, 0, map([['a', [0x01]]]));
    taken('{"time":0}', 0, 0, map([]));
  });

  it('keeps a fraction of a millisecond to the nanosecond (digits past it cut)', () => {
    taken('{"time":1700000000123.456}', 1700000000, 123_456_000, map([]));
    taken('{"time":1700000000123.4567899}', 1700000000, 123_456_789, map([]));
    taken('{"time":1700000000123.0}', 1700000000, 123_000_000, map([]));
  });

  it('takes an exponent as the double it means', () => {
    taken('{"time":1.700000000123e12}', 1700000000, 123_000_000, map([]));
    taken('{"time":17e11}', 1700000000, 0, map([]));
  });

  it('takes the last millisecond of the EventTime range, not one past it', () => {
    taken('{"time":4294967293999}', 4294967293, 999_000_000, map([]));
    kept('{"time":4294967294000}', map([['time', uint(4294967294000)]]));
  });

  it('leaves a negative or non-number time in the record; the event gets now', () => {
    kept('{"time":-1,"msg":"x"}', map([['time', [0xff]], ['msg', str('x')]]));
    kept('{"time":-1.5e3}', map([['time', f64(-1500)]]));
    kept('{"time":"soon"}', map([['time', str('soon')]]));
    kept('{"time":true}', map([['time', [0xc3]]]));
    kept('{"time":null}', map([['time', nil]]));
    kept('{"time":{"ms":1700000000123}}', map([['time', map([['ms', uint(1700000000123)]])]]));
    kept('{"time":[1700000000123]}', map([['time', [0x91, ...uint(1700000000123)]]]));
  });

  it('looks only at the first member with the key; duplicates stay', () => {
    taken('{"time":1700000000123,"time":5}', 1700000000, 123_000_000, map([['time', [0x05]]]));
    kept('{"time":"x","time":1700000000123}', map([['time', str('x')], ['time', uint(1700000000123)]]));
  });

  it('looks only at the top level, matches an escaped key, and honours another key name', () => {
    kept('{"a":{"time":1700000000123}}', map([['a', map([['time', uint(1700000000123)]])]]));
    taken('{"ti\\u006de":1700000000123,"b":2}', 1700000000, 123_000_000, map([['b', [0x02]]]));
    taken('{"time":1,"ts":1700000000123}', 1700000000, 123_000_000, map([['time', [0x01]]]), 'ts');
    // Without a time key the member is a field like any other.
    const { chunks } = nativeJsonLinesToChunks(Buffer.from('[1700000000,{"time":1700000000123}]\n'));
    expect(hex(chunks[0]!.data)).toBe(hex(v1(time(1700000000), map([['time', uint(1700000000123)]]))));
  });

  it('writes the smallest map header after the member left (map16 of 16 → fixmap of 15, map32 → map16)', () => {
    const fields = (n: number): Array<[string, Bytes]> => Array.from({ length: n }, (_, i) => [`k${i}`, int(i)]);
    const json = (entries: Array<[string, Bytes]>) => `{"time":1700000000123,${entries.map(([k], i) => `"${k}":${i}`).join(',')}}`;
    for (const n of [14, 15, 16, 17, 65535, 65536]) taken(json(fields(n)), 1700000000, 123_000_000, map(fields(n)));
    // The member in the middle and at the end, in a map16.
    const f = fields(20);
    const middle = `{${f.slice(0, 10).map(([k], i) => `"${k}":${i}`).join(',')},"time":1700000000123,${f.slice(10).map(([k], i) => `"${k}":${i + 10}`).join(',')}}`;
    taken(middle, 1700000000, 123_000_000, map(f));
  });

  it('rewrites the time of an event in a v2 chunk, before and after the chunk became v2', () => {
    const text = '{"time":1700000000123,"a":1}\n[[1700000001,{"m":1}],{"b":2}]\n{"time":1700000002456,"c":3}\n';
    const { chunks, problems } = nativeJsonLinesToChunks(Buffer.from(text), { timeKey: 'time' });
    expect(problems).toEqual([]);
    expect(chunks.map((chunk) => [chunk.format, chunk.events])).toEqual([['v2', 3]]);
    expect(hex(chunks[0]!.data)).toBe(
      hex([
        ...v2(time(1700000000, 123_000_000), map([]), map([['a', [0x01]]])),
        ...v2(time(1700000001), map([['m', [0x01]]]), map([['b', [0x02]]])),
        ...v2(time(1700000002, 456_000_000), map([]), map([['c', [0x03]]])),
      ]),
    );
  });
});

describe('the time key: RFC 3339 strings (pino.stdTimeFunctions.isoTime, isoTimeNano)', () => {
  it('takes UTC and offset times, with their fraction to the nanosecond', () => {
    taken('{"time":"2023-11-14T22:13:20.123Z","msg":"x"}', 1700000000, 123_000_000, map([['msg', str('x')]]));
    taken('{"time":"2023-11-14T22:13:20.123456789Z"}', 1700000000, 123_456_789, map([]));
    taken('{"time":"2023-11-14T22:13:20.1234567891Z"}', 1700000000, 123_456_789, map([]));
    taken('{"time":"2023-11-14T22:13:20Z"}', 1700000000, 0, map([]));
    taken('{"time":"2023-11-14t22:13:20z"}', 1700000000, 0, map([]));
    taken('{"time":"2023-11-14T23:43:20.5+01:30"}', 1700000000, 500_000_000, map([]));
    taken('{"time":"2023-11-14T17:13:20-05:00"}', 1700000000, 0, map([]));
    taken('{"time":"2024-02-29T00:00:00Z"}', 1709164800, 0, map([]));
    taken('{"time":"1970-01-01T00:00:00Z"}', 0, 0, map([]));
  });

  it('leaves anything else in the record', () => {
    for (const value of [
      '2023-11-14T22:13:20.123', // no zone
      '2023-11-14',
      '2023-02-29T00:00:00Z', // not a leap year
      '2023-11-14T24:00:00Z',
      '2023-11-14T22:13:60Z', // a leap second: Date.parse refuses it too
      '2023-11-14T22:13:20.Z',
      '2023-11-14T22:13:20+0100',
      '1969-12-31T23:59:59Z',
      'Tue, 14 Nov 2023 22:13:20 GMT',
      '2023-11-14T22:13:20Z ',
    ]) {
      kept(`{"time":${JSON.stringify(value)}}`, map([['time', str(value)]]));
    }
  });
});

describe('objectsOnly', () => {
  it('refuses every line but a JSON object, saying why, and goes on', () => {
    const { chunks, problems, lines } = parse('[1700000000,{"a":1}]\n{"time":1700000000123}\n42\nnot json\n"text"\nnull\n{"open":\n\n[[1700000000,{}],{}]\n');
    expect(lines).toBe(9);
    expect(chunks.map((chunk) => chunk.events)).toEqual([1]);
    expect(problems).toEqual([
      { line: 1, message: 'expected a JSON object' },
      { line: 3, message: 'expected a JSON object' },
      { line: 4, message: 'invalid JSON: unexpected character at column 1' },
      { line: 5, message: 'expected a JSON object' },
      { line: 6, message: 'expected a JSON object' },
      { line: 7, message: 'invalid JSON: unexpected end of JSON at column 9' },
      { line: 9, message: 'expected a JSON object' },
    ]);
  });
});
