/**
 * One pino line → one event: pino's `time` is the event's time, everything
 * else is the record.
 *
 * pino writes `time` as epoch milliseconds (its default, `epochTime`), and
 * the encoder takes epoch milliseconds as they are (toEventTime), so the
 * milliseconds reach the plugin exact: 1700000000123 → 1700000000 s,
 * 123000000 ns. An application may format time otherwise
 * (`pino.stdTimeFunctions.isoTime`: a string); a string Date can parse is
 * taken too. Anything else stays in the record, untouched, and the event
 * gets the time the transport read it: nothing the application wrote is
 * dropped. `level` is never touched: a number by default, a label when the
 * application formats levels, exactly as pino wrote it.
 */
import { MAX_EVENT_SECONDS, type TimeInput } from '../events/event-time.js';

/** Why a line was refused (the transport counts these and reports them). */
export class NotAnObjectError extends Error {}

/**
 * The parser handed to pino-abstract-transport: a line must be one JSON
 * object. Anything else (not JSON, a number, an array, null) throws, which
 * makes split2 emit 'unknown' instead of passing it on; pino-abstract-
 * transport would otherwise wrap a bare value as `{ data, time }`.
 */
export function parsePinoLine(line: string): Record<string, unknown> {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NotAnObjectError(`not a JSON object: ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export interface PinoEvent {
  /** undefined: now. */
  time: TimeInput | undefined;
  record: Record<string, unknown>;
}

/** The epoch milliseconds `time` carries, or undefined when it is not a time flbhost can take. */
function epochMilliseconds(time: unknown): number | undefined {
  let ms: number;
  if (typeof time === 'number') ms = time;
  else if (typeof time === 'string') ms = Date.parse(time);
  else return undefined;
  return Number.isFinite(ms) && ms >= 0 && ms < MAX_EVENT_SECONDS * 1000 ? ms : undefined;
}

export function lineToEvent(line: Record<string, unknown>): PinoEvent {
  const ms = epochMilliseconds(line.time);
  if (ms === undefined) return { time: undefined, record: line };
  // A rest copy, not `delete`: deleting a property turns the object into a
  // dictionary, which the encoder's per-shape writers cannot take.
  const { time: _time, ...record } = line;
  return { time: ms, record };
}
