/**
 * One line of JSON input as a log event, in the shapes Fluent Bit's stdin
 * input takes: a record `{...}` (time: now), `[time, {...}]`, or
 * `[[time, {metadata}], {...}]`, with time in epoch seconds.
 *
 * JSON.parse turns 1700000000.123456789 into the nearest double, which is
 * off by tens of nanoseconds; so the time is read from the line's own
 * digits and the event keeps exactly the nanoseconds that were written.
 */
import type { LogEvent } from '../events/encoder.js';
import { EventTime, MAX_EVENT_SECONDS } from '../events/event-time.js';

/** Why a line is not an event. */
export class InvalidEventLine extends Error {}

/** The first number after one or two opening brackets: the time of `[t, …]` and `[[t, …], …]`. */
const LEADING_TIME = /^\s*\[\s*(?:\[\s*)?(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Parses one non-empty line. Throws InvalidEventLine or SyntaxError (not JSON). */
export function eventFromJsonLine(line: string): LogEvent {
  const value: unknown = JSON.parse(line);
  if (isObject(value)) return { record: value };
  if (!Array.isArray(value) || value.length !== 2) {
    throw new InvalidEventLine('expected a JSON object, [time, record] or [[time, metadata], record]');
  }
  const [header, record] = value as [unknown, unknown];
  if (!isObject(record)) throw new InvalidEventLine('the record of [time, record] must be a JSON object');
  const literal = LEADING_TIME.exec(line)?.[1];
  if (typeof header === 'number' && literal !== undefined) return { time: timeOf(literal), record };
  if (Array.isArray(header) && header.length === 2 && typeof header[0] === 'number' && literal !== undefined) {
    const metadata: unknown = header[1];
    if (!isObject(metadata)) throw new InvalidEventLine('the metadata of [[time, metadata], record] must be a JSON object');
    return { time: timeOf(literal), metadata, record };
  }
  throw new InvalidEventLine('the time of [time, record] must be a number of epoch seconds');
}

/** Epoch seconds written in decimal, exact to the nanosecond (further digits are cut, as Fluent Bit does). */
export function timeOf(literal: string): EventTime {
  const decimal = PLAIN_DECIMAL.exec(literal);
  const time = decimal ? exactTime(decimal[1]!, decimal[2] ?? '') : approximateTime(Number(literal));
  if (time === undefined) throw new InvalidEventLine(`the time ${literal} is not between 0 and ${MAX_EVENT_SECONDS} epoch seconds`);
  return time;
}

function exactTime(wholeSeconds: string, fraction: string): EventTime | undefined {
  const seconds = Number(wholeSeconds);
  if (seconds > MAX_EVENT_SECONDS) return undefined;
  return new EventTime(seconds, Number(fraction.slice(0, 9).padEnd(9, '0')));
}

/** Exponent notation (1.7e9): no exact digits to keep, so the double it means. */
function approximateTime(value: number): EventTime | undefined {
  if (!Number.isFinite(value) || value < 0 || value >= MAX_EVENT_SECONDS + 1) return undefined;
  const seconds = Math.floor(value);
  const nanoseconds = Math.min(Math.round((value - seconds) * 1e9), 999_999_999);
  return new EventTime(seconds, nanoseconds);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
