/**
 * JSON lines to chunk bytes, against MessagePack written by hand (the small
 * builder below), never by the code under test. Lines use `[time, record]`
 * so that whole chunks are deterministic; records `{...}` get "now".
 */
import { describe, expect, it } from 'vitest';
import { jsonLinesToChunks, jsonLinesToChunksAsync, jsonToMsgpack } from '../../src/builtin/json-chunks.js';

import { arr, f64, int, map, nil, rawStr, str, time, uint, v1, v2, type Bytes } from './msgpack-bytes.js';

const T = 1700000000;
/** The chunk bytes of `[T, record]` for a record written as JSON text. */
function recordBytes(recordJson: string): Buffer {
  const { chunks, problems } = jsonLinesToChunks(Buffer.from(`[${T}, ${recordJson}]\n`));
  expect(problems).toEqual([]);
  expect(chunks).toHaveLength(1);
  return Buffer.from(chunks[0]!.data);
}
const expectRecord = (json: string, expected: Bytes) => expect(recordBytes(json).toString('hex')).toBe(Buffer.from(v1(time(T), expected)).toString('hex'));
const one = (json: string, value: Bytes) => expectRecord(`{"v":${json}}`, map([['v', value]]));

describe('JSON numbers', () => {
  it('keeps 64-bit integers exact, signed and unsigned, in the smallest encoding', () => {
    one('0', [0x00]);
    one('127', [0x7f]);
    one('128', [0xcc, 0x80]);
    one('255', [0xcc, 0xff]);
    one('256', [0xcd, 0x01, 0x00]);
    one('65536', [0xce, 0x00, 0x01, 0x00, 0x00]);
    one('4294967296', [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]);
    one('9007199254740993', uint(9007199254740993n)); // 2^53 + 1: a double cannot hold it
    one('9223372036854775807', uint(9223372036854775807n));
    one('18446744073709551615', [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    one('-1', [0xff]);
    one('-32', [0xe0]);
    one('-33', [0xd0, 0xdf]);
    one('-129', [0xd1, 0xff, 0x7f]);
    one('-32769', [0xd2, 0xff, 0xff, 0x7f, 0xff]);
    one('-2147483649', int(-2147483649n));
    one('-9223372036854775808', [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('turns integers beyond int64/uint64 into the nearest float64', () => {
    one('18446744073709551616', f64(18446744073709551616));
    one('-9223372036854775809', f64(-9223372036854775809));
    one('123456789012345678901234567890', f64(123456789012345678901234567890));
  });

  it('keeps floats as float64: 1.0, 0.0, -0.0 and exponents', () => {
    one('1.0', f64(1));
    one('0.0', f64(0));
    one('-0.0', f64(-0));
    one('1.5', f64(1.5));
    one('1E2', f64(100));
    one('1e2', f64(100));
    one('2.5e-3', f64(0.0025));
    one('-1.25E+3', f64(-1250));
    one('0.1', f64(0.1));
    one('3.141592653589793238462643383279', f64(3.141592653589793));
  });

  it('writes -0 as the integer 0, 1e400 as infinity and 1e-400 as 0, as Fluent Bit does', () => {
    one('-0', [0x00]);
    one('1e400', f64(Infinity));
    one('-1e400', f64(-Infinity));
    one('1e-400', f64(0));
  });
});

describe('JSON strings', () => {
  it('decodes escapes and \\u, with surrogate pairs to one UTF-8 character', () => {
    one(String.raw`"\"\\\/\b\f\n\r\t"`, str('"\\/\b\f\n\r\t'));
    one(String.raw`"\u00e9\u4e2d"`, str('é中'));
    one(String.raw`"\ud83d\ude00"`, [0xa4, 0xf0, 0x9f, 0x98, 0x80]);
    one(String.raw`"\uD83D\uDE00!"`, [0xa5, 0xf0, 0x9f, 0x98, 0x80, 0x21]);
  });

  it('replaces a lone surrogate with U+FFFD', () => {
    one(String.raw`"\ud800x"`, rawStr([0xef, 0xbf, 0xbd, 0x78]));
    one(String.raw`"\udc00"`, rawStr([0xef, 0xbf, 0xbd]));
    one(String.raw`"\ud800\u0041"`, rawStr([0xef, 0xbf, 0xbd, 0x41]));
    one(String.raw`"\ud800"`, rawStr([0xef, 0xbf, 0xbd]));
  });

  it('keeps raw UTF-8 and invalid UTF-8 byte for byte', () => {
    const line = Buffer.concat([Buffer.from(`[${T}, {"v":"`), Buffer.from([0xff, 0xfe, 0x41, 0xc3]), Buffer.from('","w":"héllo"}]\n')]);
    const { chunks, problems } = jsonLinesToChunks(line);
    expect(problems).toEqual([]);
    expect(Buffer.from(chunks[0]!.data).toString('hex')).toBe(
      Buffer.from(v1(time(T), map([['v', rawStr([0xff, 0xfe, 0x41, 0xc3])], ['w', str('héllo')]]))).toString('hex'),
    );
  });

  it('uses the smallest str header, also when escapes shrink the string', () => {
    one(`"${'x'.repeat(31)}"`, str('x'.repeat(31)));
    one(`"${'x'.repeat(32)}"`, str('x'.repeat(32)));
    one(`"${'\\n'.repeat(20)}"`, str('\n'.repeat(20))); // 40 bytes of text, 20 decoded: fixstr
    one(`"${'y'.repeat(300)}"`, str('y'.repeat(300)));
    one(`"${'\\u00e9'.repeat(20000)}"`, str('é'.repeat(20000))); // str16 from a str32-sized guess
    one(`"${'z'.repeat(70000)}"`, str('z'.repeat(70000)));
  });
});

describe('JSON containers', () => {
  it('writes maps and arrays with fix, 16- and 32-bit headers; duplicate keys stay', () => {
    one('[]', [0x90]);
    one('{}', [0x80]);
    one('[true,false,null]', arr([[0xc3], [0xc2], nil]));
    const sixteen = Array.from({ length: 16 }, (_, i) => i);
    one(JSON.stringify(sixteen), arr(sixteen.map((i) => uint(i))));
    const big = Array.from({ length: 70000 }, () => 1);
    one(JSON.stringify(big), arr(big.map(() => [1])));
    const keys = Array.from({ length: 17 }, (_, i) => `k${i}`);
    one(`{${keys.map((k) => `"${k}":1`).join(',')}}`, map(keys.map((k) => [k, [1]])));
    one('{"a":1,"a":2}', map([['a', [1]], ['a', [2]]]));
    one(' { "a" : [ 1 , { "b" : null } ] } ', map([['a', arr([[1], map([['b', nil]])])]]));
  });

  it('refuses nesting past the depth limit (100) with a clear error, and takes it up to there', () => {
    // The record is level 1: 99 more arrays inside it reach 100.
    const ok = `{"v":${'['.repeat(99)}${']'.repeat(99)}}`;
    let expected: Bytes = [0x90];
    for (let i = 1; i < 99; i++) expected = arr([expected]);
    expectRecord(ok, map([['v', expected]]));
    const deep = `{"v":${'['.repeat(100)}${']'.repeat(100)}}`;
    const { chunks, problems } = jsonLinesToChunks(Buffer.from(`${deep}\n{"after":1}\n`));
    expect(problems).toEqual([{ line: 1, message: 'invalid JSON: nested deeper than 100 levels at column 105' }]);
    expect(chunks[0]!.events).toBe(1);
    const hostile = '['.repeat(1_000_000);
    expect(jsonLinesToChunks(Buffer.from(hostile)).problems[0]!.message).toMatch(/nested deeper than 100 levels/);
  });
});

describe('JSON lines', () => {
  it('reports invalid lines with their number and reason, and keeps the others', () => {
    const lines = [
      `[${T}, {"ok":1}]`, // 1
      'not json', // 2
      '{"a":}', // 3
      '{"a":1} x', // 4
      '', // 5: blank, skipped silently
      '42', // 6
      '[1,2]', // 7
      `[-5, {"neg":true}]`, // 8
      '{"s":"unterminated}', // 9
      '{"s":"tab\there"}', // 10: a raw control character
      '[1700000000, {"a":1}, 3]', // 11
      '[[1700000000, 5], {"a":1}]', // 12
      '["1700000000", {"a":1}]', // 13
      '{"n":01}', // 14
      '{"n":1.}', // 15
      '{"s":"\\x"}', // 16
      `[${T}, {"ok":2}]`, // 17
    ];
    const { chunks, problems, lines: count } = jsonLinesToChunks(Buffer.from(lines.join('\n') + '\n'));
    expect(count).toBe(17);
    expect(problems).toEqual([
      { line: 2, message: 'invalid JSON: unexpected character at column 1' },
      { line: 3, message: 'invalid JSON: unexpected character at column 6' },
      { line: 4, message: 'invalid JSON: unexpected data after the JSON value at column 9' },
      { line: 6, message: 'expected a JSON object, [time, record] or [[time, metadata], record]' },
      { line: 7, message: 'the record of [time, record] must be a JSON object' },
      { line: 8, message: 'the time -5 is not between 0 and 4294967293 epoch seconds' },
      { line: 9, message: 'invalid JSON: unterminated string at column 20' },
      { line: 10, message: 'invalid JSON: control character in a string at column 10' },
      { line: 11, message: 'expected a JSON object, [time, record] or [[time, metadata], record]' },
      { line: 12, message: 'the metadata of [[time, metadata], record] must be a JSON object' },
      { line: 13, message: 'the time of [time, record] must be a number of epoch seconds' },
      { line: 14, message: "invalid JSON: expected ',' or '}' in an object at column 7" },
      { line: 15, message: 'invalid JSON: invalid number at column 6' },
      { line: 16, message: 'invalid JSON: invalid escape in a string at column 7' },
    ]);
    expect(Buffer.from(chunks[0]!.data).toString('hex')).toBe(
      Buffer.from([...v1(time(T), map([['ok', [1]]])), ...v1(time(T), map([['ok', [2]]]))]).toString('hex'),
    );
  });

  it('counts lines from firstLine, skips blank lines, CRLF, a BOM and a last line without newline', () => {
    const text = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`[${T}, {"a":1}]\r\n\r\n   \n\t[${T}, {"b":2}] \r\nbad\r\n[${T}, {"c":3}]`),
    ]);
    const { chunks, problems, lines } = jsonLinesToChunks(text, { firstLine: 41 });
    expect(lines).toBe(6);
    expect(problems).toEqual([{ line: 45, message: 'invalid JSON: unexpected character at column 1' }]);
    expect(Buffer.from(chunks[0]!.data)).toEqual(
      Buffer.from([...v1(time(T), map([['a', [1]]])), ...v1(time(T), map([['b', [2]]])), ...v1(time(T), map([['c', [3]]]))]),
    );
  });

  it('keeps the exact time of [time, record]: nanoseconds from the digits, exponents through the double', () => {
    const text = [
      '[1700000000.123456789, {}]',
      '[1700000000.1234567899, {}]',
      '[1700000000.5, {}]',
      '[1.7e9, {}]',
      '[0, {}]',
      '[4294967293, {}]',
      '[4294967294, {}]',
    ].join('\n');
    const { chunks, problems } = jsonLinesToChunks(Buffer.from(text));
    expect(problems).toEqual([{ line: 7, message: 'the time 4294967294 is not between 0 and 4294967293 epoch seconds' }]);
    const empty = [0x80];
    expect(Buffer.from(chunks[0]!.data)).toEqual(
      Buffer.from([
        ...v1(time(T, 123456789), empty),
        ...v1(time(T, 123456789), empty),
        ...v1(time(T, 500000000), empty),
        ...v1(time(T), empty),
        ...v1(time(0), empty),
        ...v1(time(4294967293), empty),
      ]),
    );
  });

  it('stamps records {...} with the current time', () => {
    const before = Math.floor(Date.now() / 1000);
    const { chunks } = jsonLinesToChunks(Buffer.from('{"now":true}\n'));
    const data = Buffer.from(chunks[0]!.data);
    expect(data.subarray(0, 2)).toEqual(Buffer.from([0x92, 0xd7]));
    expect(data.readUInt32BE(3)).toBeGreaterThanOrEqual(before);
    expect(data.readUInt32BE(3)).toBeLessThanOrEqual(before + 5);
    expect(data.subarray(11)).toEqual(Buffer.from(map([['now', [0xc3]]])));
  });

  it('makes a chunk v2 when an event has metadata, giving the others {}; empty metadata stays v1', () => {
    const onlyEmpty = jsonLinesToChunks(Buffer.from(`[[${T}, {}], {"a":1}]\n[${T}, {"b":2}]\n`));
    expect(onlyEmpty.chunks[0]!.format).toBe('v1');
    expect(Buffer.from(onlyEmpty.chunks[0]!.data)).toEqual(Buffer.from([...v1(time(T), map([['a', [1]]])), ...v1(time(T), map([['b', [2]]]))]));

    const mixed = jsonLinesToChunks(Buffer.from(`[${T}, {"a":1}]\n[[${T}, {"m":"x"}], {"b":2}]\n[${T}, {"c":3}]\n[[${T}, {}], {"d":4}]\n`));
    expect(mixed.chunks).toHaveLength(1);
    expect(mixed.chunks[0]!.format).toBe('v2');
    expect(mixed.chunks[0]!.events).toBe(4);
    expect(Buffer.from(mixed.chunks[0]!.data)).toEqual(
      Buffer.from([
        ...v2(time(T), [0x80], map([['a', [1]]])),
        ...v2(time(T), map([['m', str('x')]]), map([['b', [2]]])),
        ...v2(time(T), [0x80], map([['c', [3]]])),
        ...v2(time(T), [0x80], map([['d', [4]]])),
      ]),
    );
  });

  it('closes chunks at maxChunkBytes', () => {
    const text = Array.from({ length: 100 }, (_, i) => `[${T}, {"i":${i}}]`).join('\n');
    const { chunks } = jsonLinesToChunks(Buffer.from(text), { maxChunkBytes: 100 });
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.reduce((n, c) => n + c.events, 0)).toBe(100);
    for (const chunk of chunks) expect(chunk.data.length).toBeLessThan(100 + 20);
    expect(Buffer.concat(chunks.map((c) => c.data))).toEqual(Buffer.from(Array.from({ length: 100 }, (_, i) => v1(time(T), map([['i', uint(i)]]))).flat()));
  });

  it('reports a line longer than maxLineBytes', () => {
    const { chunks, problems } = jsonLinesToChunks(Buffer.from(`[${T}, {"long":"${'x'.repeat(100)}"}]\n[${T}, {}]\n`), { maxLineBytes: 50 });
    expect(problems).toEqual([{ line: 1, message: 'longer than 50 bytes' }]);
    expect(chunks[0]!.events).toBe(1);
  });

  it('gives the same bytes on the libuv pool', async () => {
    const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `[${T}, {"i":${i},"big":${18446744073709551615n - BigInt(i)}}]`).join('\n') + '\nbad\n');
    const sync = jsonLinesToChunks(text);
    const pooled = await jsonLinesToChunksAsync(text);
    expect(pooled.problems).toEqual([{ line: 5001, message: 'invalid JSON: unexpected character at column 1' }]);
    expect(pooled.problems).toEqual(sync.problems);
    expect(Buffer.concat(pooled.chunks.map((c) => c.data))).toEqual(Buffer.concat(sync.chunks.map((c) => c.data)));
  });

  it('survives random bytes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(Array.from({ length: 300 }, random));
      const { lines } = jsonLinesToChunks(bytes);
      expect(lines).toBeGreaterThan(0);
    }
    const near = `[${T}, {"a":[1,2,{"b":"c\\u00e9"}],"d":-1.5e3}]`;
    for (let cut = 0; cut < near.length; cut++) jsonLinesToChunks(Buffer.from(near.slice(0, cut)));
  });
});

describe('jsonToMsgpack (dummy)', () => {
  it('parses one value with blanks around it; refuses invalid JSON saying where', () => {
    expect([...jsonToMsgpack(' {"message":"dummy","n":18446744073709551615} ')]).toEqual(
      map([['message', str('dummy')], ['n', uint(18446744073709551615n)]]),
    );
    expect(() => jsonToMsgpack('{"a":')).toThrow(SyntaxError);
    expect(() => jsonToMsgpack('{"a":1} 2')).toThrow(/unexpected data after the JSON value at offset 8/);
  });
});
