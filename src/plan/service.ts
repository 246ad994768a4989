/**
 * The [SERVICE] settings flbhost acts on, each parsed by one rule that the
 * config loaders (for file:line errors as they read) and the plan (for the
 * library API) both call.
 */
import { ConfigError } from '../errors.js';
import { parseLogLevel, type LogLevelName } from '../logging.js';
import type { ServiceConfig } from './config.js';
import { parseSeconds, parseSize } from './values.js';

export interface ServiceSpec {
  /** Seconds between flushes of open chunks. */
  flush: number;
  /** Seconds stop() waits for pending data; -1 = until done. */
  grace: number;
  schedulerBase: number;
  schedulerCap: number;
  /** Bytes at which a chunk is sealed before the Flush tick. */
  chunkSize: number;
  logLevel?: LogLevelName;
}

export const SERVICE_DEFAULTS = {
  flush: 1,
  grace: 5,
  schedulerBase: 5,
  schedulerCap: 2000,
  chunkSize: 2_048_000,
} as const;

/** The field of ServiceConfig each [SERVICE] key sets, for the keys flbhost acts on. */
export const SERVICE_KEYS: Record<string, keyof ServiceConfig> = {
  flush: 'flush',
  grace: 'grace',
  log_level: 'logLevel',
  'scheduler.base': 'schedulerBase',
  'scheduler.cap': 'schedulerCap',
};

/** Parses one service value; `where` starts the error message ("fluent-bit.conf:3: flush"). */
export function parseServiceValue<K extends keyof ServiceConfig>(field: K, value: string | number, where: string): ServiceSpec[K] {
  switch (field) {
    case 'flush':
    case 'schedulerBase':
    case 'schedulerCap': {
      const seconds = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value.trim());
      if (!(seconds > 0) || !Number.isFinite(seconds)) {
        throw new ConfigError(`${where}: '${value}' is not a number of seconds more than 0${field === 'flush' ? ' (e.g. 1, 0.5)' : ''}`);
      }
      return seconds as ServiceSpec[K];
    }
    case 'grace':
      return parseSeconds(value, where, true) as ServiceSpec[K];
    case 'chunkSize':
      return parseSize(value, where) as ServiceSpec[K];
    case 'logLevel':
      return parseLogLevel(String(value), where) as ServiceSpec[K];
    default:
      throw new ConfigError(`${where}: not a service setting`);
  }
}

export function planService(config: ServiceConfig = {}): ServiceSpec {
  const read = <K extends 'flush' | 'grace' | 'schedulerBase' | 'schedulerCap' | 'chunkSize'>(field: K, key: string): number =>
    parseServiceValue(field, config[field] ?? SERVICE_DEFAULTS[field], `service.${key}`) as number;
  return {
    flush: read('flush', 'flush'),
    grace: read('grace', 'grace'),
    schedulerBase: read('schedulerBase', 'scheduler.base'),
    schedulerCap: read('schedulerCap', 'scheduler.cap'),
    chunkSize: read('chunkSize', 'chunk_size'),
    logLevel: config.logLevel === undefined ? undefined : parseLogLevel(config.logLevel, 'service.log_level'),
  };
}
