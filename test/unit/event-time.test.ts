import { describe, expect, it } from 'vitest';
import { EventTime, toEventTime, writeEventTime } from '../../src/events/event-time.js';

describe('EventTime', () => {
  it('accepts Date, epoch milliseconds with a fraction, bigint nanoseconds', () => {
    expect(toEventTime(new Date(1700000000123))).toEqual(new EventTime(1700000000, 123_000_000));
    expect(toEventTime(1700000000123.456)).toEqual(new EventTime(1700000000, 123_456_000));
    expect(toEventTime(1700000000_123456789n)).toEqual(new EventTime(1700000000, 123_456_789));
    const t = new EventTime(5, 6);
    expect(toEventTime(t)).toBe(t);
  });

  it('defaults to now, with nanoseconds', () => {
    const before = Date.now();
    const now = toEventTime(undefined);
    expect(now.seconds * 1000 + now.nanoseconds / 1e6).toBeGreaterThanOrEqual(before - 1);
    expect(now.seconds * 1000).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('refuses times it cannot carry, naming the value', () => {
    expect(() => toEventTime(-1)).toThrow(/non-negative epoch milliseconds; got -1/);
    expect(() => toEventTime(-5n)).toThrow(/before 1970/);
    expect(() => toEventTime(Number.NaN)).toThrow(/got NaN/);
    expect(() => new EventTime(0xffffffff, 0)).toThrow(/seconds must be an integer from 0 to 4294967293/);
    expect(() => new EventTime(1, 1_000_000_000)).toThrow(/nanoseconds/);
    expect(() => toEventTime('2024' as unknown as Date)).toThrow(/got string/);
  });

  it('encodes as fixext8 ext type 0, big-endian seconds then nanoseconds', () => {
    const out = new Uint8Array(12);
    expect(writeEventTime(out, 1, new EventTime(0x01020304, 0x05060708))).toBe(11);
    expect([...out]).toEqual([0, 0xd7, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
  });

  it('round-trips exactly through bigint', () => {
    expect(new EventTime(1700000000, 999_999_999).toBigInt()).toBe(1700000000_999999999n);
  });
});
