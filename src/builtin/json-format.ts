/**
 * Decoded events as JSON text, the way Fluent Bit's JSON outputs write them:
 * compact (no spaces), the date key first, doubles in C's notation.
 *
 * The text is written here rather than by JSON.stringify because decoded
 * records hold values JSON.stringify gets wrong or refuses: bigints (exact
 * 64-bit integers, written as their digits, as Fluent Bit does), EventTime
 * and Date values (written in the chosen date format), raw bytes (written
 * as UTF-8 text, as Fluent Bit does) and unknown MessagePack extensions.
 */
import { MsgpackExtension, type DecodedEvent } from '../events/decoder.js';
import { EventTime } from '../events/event-time.js';
import { formatCDouble, formatG16 } from './c-double.js';
import { formatDate, instantOfDate, type DateFormat, type JsonDateOptions } from './json-date.js';

/** One event as a JSON object: the date key (when enabled) first, then the record's keys. */
export function eventToJson(event: Pick<DecodedEvent, 'time' | 'record'>, options: JsonDateOptions): string {
  const members: string[] = [];
  // When the record has a key of the same name, Fluent Bit's printer keeps
  // only the last duplicate, which is the record's own.
  if (options.dateKey !== undefined && !Object.hasOwn(event.record, options.dateKey)) {
    members.push(`${JSON.stringify(options.dateKey)}:${formatDate(event.time, options.dateFormat)}`);
  }
  for (const [key, value] of Object.entries(event.record)) {
    members.push(`${JSON.stringify(key)}:${valueToJson(value, options.dateFormat)}`);
  }
  return `{${members.join(',')}}`;
}

/** A record alone (no date key), as out_file's default and plain formats write it. */
export function recordToJson(record: Record<string, unknown>, dateFormat: DateFormat = 'double'): string {
  return valueToJson(record, dateFormat);
}

/** Any decoded value as JSON text. */
export function valueToJson(value: unknown, dateFormat: DateFormat): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberToJson(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : objectToJson(value, dateFormat);
    default: // undefined, functions, symbols: nothing a decoder produces
      return 'null';
  }
}

function numberToJson(value: number): string {
  if (!Number.isFinite(value)) return 'null'; // NaN and Infinity have no JSON form
  if (Number.isSafeInteger(value)) return String(value);
  return Number.isInteger(value) ? formatCDouble(value) : formatG16(value);
}

function objectToJson(value: object, dateFormat: DateFormat): string {
  if (value instanceof EventTime) return formatDate(value, dateFormat);
  if (value instanceof Date) return formatDate(instantOfDate(value), dateFormat);
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  if (value instanceof MsgpackExtension) {
    return `{"type":${value.type},"data":${JSON.stringify(Buffer.from(value.data).toString('base64'))}}`;
  }
  if (Array.isArray(value)) return `[${value.map((item) => valueToJson(item, dateFormat)).join(',')}]`;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const members = entries.map(([key, item]) => `${JSON.stringify(String(key))}:${valueToJson(item, dateFormat)}`);
  return `{${members.join(',')}}`;
}
