import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ChunkError } from '../../src/errors.js';
import { convertChunk, validateChunk } from '../../src/events/chunk.js';
import { encodeChunk } from '../../src/events/encoder.js';
import { EventTime } from '../../src/events/event-time.js';

const TIME = [0xd7, 0x00, 0, 0, 0, 1, 0, 0, 0, 2];
const bytes = (...parts: Array<number[] | Uint8Array>) => Uint8Array.from(parts.flatMap((p) => [...p]));
const record = (value: unknown) => pack(value) as Uint8Array;

function rejects(data: Uint8Array, pattern: RegExp, event = 0): ChunkError {
  let caught: unknown;
  try {
    validateChunk(data);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ChunkError);
  const error = caught as ChunkError;
  expect(error.message).toMatch(pattern);
  expect(error.event).toBe(event);
  return error;
}

describe('validateChunk', () => {
  it('accepts v1 and v2 events, ext8-encoded EventTimes, and the empty chunk', () => {
    expect(validateChunk(bytes([0x92], TIME, record({ a: 1 }))).events).toBe(1);
    expect(validateChunk(bytes([0x92, 0x92], TIME, [0x80], record({ a: 1 })), 'v2').events).toBe(1);
    expect(validateChunk(bytes([0x92, 0xc7, 0x08, 0x00, 0, 0, 0, 1, 0, 0, 0, 2], record({ a: 1 }))).events).toBe(1);
    expect(validateChunk(new Uint8Array(0)).events).toBe(0);
  });

  it('refuses a bare scalar (it makes fluent-bit-go panic)', () => {
    rejects(bytes([0x2a]), /event 0 at byte 0: an event must be a 2-element array; got int/);
  });

  it('refuses timestamps that are not EventTime, naming what they were', () => {
    rejects(bytes([0x92, 0xce, 0, 0, 0, 1], record({ a: 1 })), /timestamp must be an EventTime \(ext type 0, 8 bytes\); got int/);
    rejects(bytes([0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0], record({ a: 1 })), /got float/);
    rejects(bytes([0x92, 0xd6, 0xff, 0, 0, 0, 1], record({ a: 1 })), /got ext type -1 \(4 bytes\)/);
  });

  it('refuses group markers, non-map records and metadata, truncation, 0xc1', () => {
    rejects(bytes([0x92, 0xd7, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], record({ a: 1 })), /group marker/);
    rejects(bytes([0x92], TIME, record([1, 2])), /the record must be a map; got array of 2/);
    rejects(bytes([0x92, 0x92], TIME, [0x01], record({ a: 1 })), /metadata must be a map/);
    rejects(bytes([0x92], TIME, [0x82, 0xa1, 0x61]), /truncated/);
    rejects(bytes([0x92], TIME, [0x81, 0xa1, 0x61, 0xc1]), /0xc1/);
  });

  it('refuses values a Go decoder cannot survive inside records', () => {
    rejects(bytes([0x92], TIME, [0x81, 0xa1, 0x61, 0xd4, 0x00, 0x00]), /ext type 0 .* must be 8 bytes; this one is 1/);
    rejects(bytes([0x92], TIME, [0x81, 0x91, 0x01, 0x01]), /a map key must be a string, number, boolean or nil; got array of 1/);
  });

  it('refuses impossible container sizes without reading past the end', () => {
    rejects(bytes([0x92], TIME, [0xdf, 0xff, 0xff, 0xff, 0xff]), /truncated/);
    rejects(bytes([0x92], TIME, [0x81, 0xa1, 0x61, 0xdb, 0x7f, 0xff, 0xff, 0xff]), /truncated/);
  });

  it('refuses nesting deeper than 100 levels', () => {
    const deep = [0x81, 0xa1, 0x61, ...new Array(150).fill(0x91), 0x01];
    rejects(bytes([0x92], TIME, deep), /nesting deeper than 100/);
  });

  it('reports the index and offset of the first bad event after good ones', () => {
    const good = bytes([0x92], TIME, record({ a: 1 }));
    const error = rejects(bytes(good, good, [0x92, 0x01, 0x80]), /event 2 at byte \d+/, 2);
    expect(error.offset).toBe(good.length * 2 + 1);
  });

  it('re-encodes between v1 and v2, keeping times and records', () => {
    const v2 = encodeChunk(
      [
        { time: new EventTime(7, 8), record: { a: 1 }, metadata: { m: 1 } },
        { time: new EventTime(9, 10), record: { b: 2 } },
      ],
      { format: 'v2' },
    );
    const v1 = validateChunk(v2.data, 'v1');
    expect(v1.format).toBe('v1');
    expect(v1.data).toEqual(encodeChunk([{ time: new EventTime(7, 8), record: { a: 1 } }, { time: new EventTime(9, 10), record: { b: 2 } }]).data);
    const back = convertChunk(v1, 'v2');
    expect(back.data).toEqual(
      encodeChunk([{ time: new EventTime(7, 8), record: { a: 1 } }, { time: new EventTime(9, 10), record: { b: 2 } }], { format: 'v2' }).data,
    );
    expect(convertChunk(back, 'v2')).toBe(back);
  });
});
