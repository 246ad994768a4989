/**
 * Fluent Bit's EventTime: seconds and nanoseconds since the epoch, carried in
 * MessagePack as ext type 0 with 8 bytes (big-endian u32 seconds, u32
 * nanoseconds). Every timestamp flbhost hands a plugin is one of these.
 */

/** Largest second an EventTime can hold: 0xFFFFFFFE and 0xFFFFFFFF mark group records. */
export const MAX_EVENT_SECONDS = 0xfffffffd;

export class EventTime {
  constructor(
    readonly seconds: number,
    readonly nanoseconds: number,
  ) {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EVENT_SECONDS) {
      throw new RangeError(`EventTime seconds must be an integer from 0 to ${MAX_EVENT_SECONDS}; got ${seconds}`);
    }
    if (!Number.isInteger(nanoseconds) || nanoseconds < 0 || nanoseconds > 999_999_999) {
      throw new RangeError(`EventTime nanoseconds must be an integer from 0 to 999999999; got ${nanoseconds}`);
    }
  }

  static now(): EventTime {
    const ms = currentEpochMilliseconds();
    const seconds = secondsOf(ms);
    return new EventTime(seconds, nanosecondsOf(ms, seconds));
  }

  /** Nanoseconds since the epoch, exactly. */
  toBigInt(): bigint {
    return BigInt(this.seconds) * 1_000_000_000n + BigInt(this.nanoseconds);
  }

  toDate(): Date {
    return new Date(this.seconds * 1000 + Math.floor(this.nanoseconds / 1e6));
  }
}

/** Read once: the getter costs more than the clock on a per-record path. */
const TIME_ORIGIN_MS = performance.timeOrigin;
/**
 * Node defines the global `performance` as an accessor, so naming it runs a
 * getter on every call (the global-load stub showed up at about 1 % of a
 * lib.push() profile). A module constant is loaded once.
 */
const clock = performance;

/**
 * The current time in epoch milliseconds with a fraction. performance.now()
 * is monotonic with sub-millisecond resolution; near today's epoch a double
 * carries it to about a quarter of a microsecond.
 */
export function currentEpochMilliseconds(): number {
  return TIME_ORIGIN_MS + clock.now();
}

/** Whole seconds of epoch milliseconds. */
export function secondsOf(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The nanoseconds within `seconds` of epoch milliseconds (what the double carries). */
export function nanosecondsOf(ms: number, seconds: number): number {
  return Math.min(999_999_999, Math.floor((ms - seconds * 1000) * 1e6));
}

/**
 * What flbhost accepts as an event's time: a Date, epoch milliseconds (a
 * fraction keeps microseconds), epoch nanoseconds as a bigint (exact), or an
 * EventTime.
 */
export type TimeInput = Date | number | bigint | EventTime;

function fromEpochNanoseconds(ns: bigint): EventTime {
  if (ns < 0n) throw new RangeError(`time before 1970 cannot be an EventTime: ${ns} ns`);
  return new EventTime(Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
}

function fromEpochMilliseconds(ms: number): EventTime {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`time must be non-negative epoch milliseconds; got ${ms}`);
  }
  const seconds = Math.floor(ms / 1000);
  // Doubles near 1.7e12 ms carry about 0.2 µs of precision: round to µs.
  const micros = Math.round((ms - seconds * 1000) * 1000);
  return micros >= 1_000_000 ? new EventTime(seconds + 1, 0) : new EventTime(seconds, micros * 1000);
}

export function toEventTime(time: TimeInput | undefined): EventTime {
  if (time === undefined) return EventTime.now();
  if (time instanceof EventTime) return time;
  if (typeof time === 'bigint') return fromEpochNanoseconds(time);
  if (typeof time === 'number') return fromEpochMilliseconds(time);
  if (time instanceof Date) return fromEpochMilliseconds(time.getTime());
  throw new TypeError(`time must be a Date, epoch milliseconds, bigint nanoseconds or EventTime; got ${typeof time}`);
}

/** Writes the 10-byte fixext8 ext-0 encoding at `offset`; returns the next offset. */
export function writeEventTime(target: Uint8Array, offset: number, time: EventTime): number {
  target[offset] = 0xd7;
  target[offset + 1] = 0x00;
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(offset + 2, time.seconds);
  view.setUint32(offset + 6, time.nanoseconds);
  return offset + 10;
}
