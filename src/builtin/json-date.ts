/**
 * The `json_date_key` / `json_date_format` options of Fluent Bit's JSON
 * outputs, and event times written in each date format exactly as Fluent
 * Bit writes them (flb_pack_msgpack_to_json_format): sub-second digits are
 * truncated, never rounded, and the string forms carry microseconds.
 */
import { formatCDouble } from './c-double.js';
import type { PropertyReader } from './property-reader.js';

export const DATE_FORMATS = ['double', 'epoch', 'epoch_ms', 'iso8601', 'java_sql_timestamp'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** Fluent Bit's other spellings of epoch_ms. */
const DATE_FORMAT_ALIASES: Record<string, DateFormat> = {
  epoch_millis: 'epoch_ms',
  epoch_milliseconds: 'epoch_ms',
};

export interface JsonDateOptions {
  /** The key the event time is written under; undefined when disabled. */
  dateKey: string | undefined;
  dateFormat: DateFormat;
}

/** A moment as seconds and nanoseconds since the epoch (seconds may be negative for old Dates). */
export interface Instant {
  seconds: number;
  nanoseconds: number;
}

/** The keys readJsonDateOptions reads. */
export const JSON_DATE_KEYS = ['json_date_key', 'json_date_format'] as const;

/** Reads json_date_key (default "date"; false/off/no disables it) and json_date_format (default double). */
export function readJsonDateOptions(properties: PropertyReader): JsonDateOptions {
  const key = properties.raw('json_date_key');
  const disabled = key !== undefined && ['false', 'off', 'no'].includes(key.trim().toLowerCase());
  return {
    dateKey: disabled ? undefined : (key ?? 'date'),
    dateFormat: readDateFormat(properties),
  };
}

function readDateFormat(properties: PropertyReader): DateFormat {
  const value = properties.raw('json_date_format');
  const alias = value === undefined ? undefined : DATE_FORMAT_ALIASES[value.trim().toLowerCase()];
  return alias ?? properties.choice('json_date_format', DATE_FORMATS, 'double');
}

/** The time as JSON text in `format`: a number, or a quoted string. */
export function formatDate(time: Instant, format: DateFormat): string {
  switch (format) {
    case 'double':
      // Fluent Bit's flb_time_to_double: the nanoseconds do not survive a double anyway.
      return formatCDouble(time.seconds + time.nanoseconds / 1e9);
    case 'epoch':
      return String(time.seconds);
    case 'epoch_ms':
      return String(time.seconds * 1000 + Math.floor(time.nanoseconds / 1e6));
    case 'iso8601':
      return `"${calendarTime(time.seconds, 'T')}.${microseconds(time)}Z"`;
    case 'java_sql_timestamp':
      return `"${calendarTime(time.seconds, ' ')}.${microseconds(time)}"`;
  }
}

/** A JavaScript Date (millisecond precision) as an Instant. */
export function instantOfDate(date: Date): Instant {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanoseconds: (ms - seconds * 1000) * 1e6 };
}

/** `YYYY-MM-DD<separator>HH:MM:SS` in UTC (strftime's %Y-%m-%d %H:%M:%S after gmtime). */
function calendarTime(seconds: number, separator: 'T' | ' '): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2023-11-14T22:13:20.000Z
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}`;
}

function microseconds(time: Instant): string {
  return String(Math.floor(time.nanoseconds / 1000)).padStart(6, '0');
}
