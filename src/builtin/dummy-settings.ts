/**
 * The configuration of the `dummy` input, read and checked once at init
 * with Fluent Bit's in_dummy keys and defaults.
 */
import { EventTime } from '../events/event-time.js';
import type { PluginContext } from '../engine/plugin-api.js';
import { jsonToMsgpack } from './json-chunks.js';
import { PropertyReader } from './property-reader.js';

export interface DummySettings {
  /** The record every event carries, as MessagePack (a map), parsed once at init. */
  record: Uint8Array;
  /** v2 metadata of every event, as MessagePack (a map; 0x80 when empty). */
  metadata: Uint8Array;
  /** Generations before the input ends; 0 = unlimited. */
  samples: number;
  /** Generations per second. */
  perSecond: number;
  /** Events per generation. */
  copies: number;
  /** start_time_sec/start_time_nsec, when either is set. */
  startTime: EventTime | undefined;
  fixedTimestamp: boolean;
  /** Generate once at start instead of waiting one period first. */
  flushOnStartup: boolean;
}

/** Every key readDummySettings reads: Fluent Bit's in_dummy keys. */
export const DUMMY_KEYS = [
  'dummy',
  'metadata',
  'samples',
  'rate',
  'interval_sec',
  'interval_nsec',
  'copies',
  'start_time_sec',
  'start_time_nsec',
  'fixed_timestamp',
  'flush_on_startup',
] as const;

const DEFAULT_RECORD = '{"message":"dummy"}';
const MAX_NANOSECONDS = 999_999_999;

export function readDummySettings(ctx: PluginContext): DummySettings {
  const properties = new PropertyReader(ctx);
  return {
    record: readJsonObject(properties, 'dummy', DEFAULT_RECORD),
    metadata: readJsonObject(properties, 'metadata', '{}'),
    samples: properties.integer('samples', 0, { min: 0 }),
    perSecond: readPerSecond(properties),
    copies: properties.integer('copies', 1, { min: 1 }),
    startTime: readStartTime(properties),
    fixedTimestamp: properties.boolean('fixed_timestamp', false),
    flushOnStartup: properties.boolean('flush_on_startup', false),
  };
}

/** First bytes of a MessagePack map: fixmap, map16, map32. */
function isMap(bytes: Uint8Array): boolean {
  const first = bytes[0]!;
  return (first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf;
}

/**
 * The object as MessagePack, with the JSON rules of every JSON input
 * (json-chunks.ts: exact 64-bit integers, byte-exact strings).
 *
 * Fluent Bit warns and falls back to the default on bad JSON; a typo in a
 * test record is better reported than silently replaced, so here it is an
 * error.
 */
function readJsonObject(properties: PropertyReader, key: string, fallback: string): Uint8Array {
  const text = properties.string(key, fallback);
  let parsed: Uint8Array;
  try {
    parsed = jsonToMsgpack(text);
  } catch (error) {
    throw properties.error(key, text, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isMap(parsed)) throw properties.error(key, text, 'is not a JSON object');
  return parsed;
}

/** interval_sec/interval_nsec win over rate, as in Fluent Bit. */
function readPerSecond(properties: PropertyReader): number {
  const rate = properties.number('rate', 1, { above: 0 });
  const intervalSeconds = properties.integer('interval_sec', 0, { min: 0 });
  const intervalNanoseconds = properties.integer('interval_nsec', 0, { min: 0 });
  const interval = intervalSeconds + intervalNanoseconds / 1e9;
  return interval > 0 ? 1 / interval : rate;
}

/** Either key alone sets the start time, the other part being 0 (Fluent Bit's -1 means unset). */
function readStartTime(properties: PropertyReader): EventTime | undefined {
  const seconds = properties.integer('start_time_sec', -1, { min: -1, max: 0xfffffffd });
  const nanoseconds = properties.integer('start_time_nsec', -1, { min: -1, max: MAX_NANOSECONDS });
  if (seconds < 0 && nanoseconds < 0) return undefined;
  return new EventTime(Math.max(seconds, 0), Math.max(nanoseconds, 0));
}
