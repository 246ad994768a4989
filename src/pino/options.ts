/**
 * The options of the flbhost/pino transport, and their check.
 *
 * They arrive in the transport's worker thread by structured clone from
 * `pino.transport({ target: 'flbhost/pino', options })`, so they are plain
 * data and nothing was checked before: every mistake is refused here, at
 * boot, with a message naming the option. The error ends the worker, and
 * thread-stream hands it to the application as the transport's 'error'
 * event (only its message survives the clone, so the message says it all).
 */
import { ConfigError } from '../errors.js';
import { parseLogLevel, type LogLevelName } from '../logging.js';
import { closestWords } from '../plan/closest.js';
import type { Isolation } from '../plan/config.js';

/** What `options` of `pino.transport({ target: 'flbhost/pino', options })` may hold. */
export interface PinoTransportOptions {
  /** A .so output plugin (path; relative to the working directory). Give this or `config`. */
  plugin?: string;
  /** The plugin's properties (what it reads with FLBPluginConfigKey): an object, or [key, value] pairs. */
  properties?: Record<string, string | number | boolean> | Array<[string, string | number | boolean]>;
  /** 'process': the plugin runs in a child process of its own, so its crash cannot end the application (default 'none'). */
  isolation?: Isolation;
  /** Output workers: concurrent flushes (default 1). */
  workers?: number;
  /** Retries after the first attempt; 'no_limits' / -1 unlimited, 'no_retries' / 0 none (default 1). */
  retryLimit?: number | string;
  /** Seconds a flush may take (isolated: the child is killed and the chunk retried). Default: none. */
  flushTimeout?: number;
  /** The plugin's log level (what its log_check is answered; default: logLevel). */
  pluginLogLevel?: LogLevelName;

  /** A Fluent Bit config file (classic or YAML) whose pipeline has a `lib` input. Give this or `plugin`. */
  config?: string;
  /** With `config`: the lib input the transport feeds, by Alias or instance name ("lib.1"; default: the first one). */
  input?: string;

  /** Tag of the events (default 'pino'; with `config`, the lib input's Tag). */
  tag?: string;
  /** Seconds between flushes of what was logged (Fluent Bit Flush; default 1). */
  flush?: number;
  /**
   * Seconds the pipeline gets at close to deliver what it holds (Fluent Bit
   * Grace; default 5, at most 8). thread-stream waits about 10 s for a
   * transport to close before it gives up (see README, pino transport).
   */
  grace?: number;
  /**
   * Bytes of logged records the pipeline holds before the transport stops
   * reading pino's buffer (Mem_Buf_Limit of the lib input; default '8M').
   */
  memBufLimit?: number | string;
  /** flbhost's own log level (its lines go to stderr, never to pino; default: FLBHOST_LOG_LEVEL, else 'info'). */
  logLevel?: LogLevelName;
}

/** The largest Grace: thread-stream's end() waits 10 × 1 s; an output's exit may take 1 s past Grace. */
export const MAX_TRANSPORT_GRACE = 8;
export const DEFAULT_TRANSPORT_GRACE = 5;
export const DEFAULT_TRANSPORT_TAG = 'pino';
export const DEFAULT_MEM_BUF_LIMIT = '8M';

interface Common {
  tag?: string;
  flush?: number;
  grace?: number;
  logLevel: LogLevelName;
}

/** One .so output behind a lib input. */
export interface PluginTarget extends Common {
  kind: 'plugin';
  plugin: string;
  properties: NonNullable<PinoTransportOptions['properties']>;
  isolation: Isolation;
  workers?: number;
  retryLimit?: number | string;
  flushTimeout?: number;
  pluginLogLevel?: LogLevelName;
  memBufLimit: number | string;
}

/** A config file's pipeline, fed through one of its lib inputs. */
export interface ConfigTarget extends Common {
  kind: 'config';
  config: string;
  input?: string;
}

export type TransportTarget = PluginTarget | ConfigTarget;

const PLUGIN_KEYS = ['plugin', 'properties', 'isolation', 'workers', 'retryLimit', 'flushTimeout', 'pluginLogLevel', 'memBufLimit'];
const CONFIG_KEYS = ['config', 'input'];
const COMMON_KEYS = ['tag', 'flush', 'grace', 'logLevel'];
const KNOWN_KEYS = [...PLUGIN_KEYS, ...CONFIG_KEYS, ...COMMON_KEYS];

/** pino and thread-stream add these to the options object they send the worker. */
const ADDED_BY_PINO = new Set(['pinoWillSendConfig', '$context']);

function refuse(message: string): never {
  throw new ConfigError(`flbhost/pino: ${message}`);
}

function optionalString(options: Record<string, unknown>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') refuse(`options.${key} must be a non-empty string; got ${JSON.stringify(value)}`);
  return value;
}

function optionalSeconds(options: Record<string, unknown>, key: string, { min, max }: { min: number; max?: number }): number | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) refuse(`options.${key} must be a number of seconds, at least ${min}; got ${JSON.stringify(value)}`);
  if (max !== undefined && value > max) {
    refuse(`options.${key} is ${value} s, more than ${max} s: at exit thread-stream waits about 10 s for the transport to close, and what is still undelivered then is lost`);
  }
  return value;
}

function properties(value: unknown): PluginTarget['properties'] {
  if (value === undefined) return {};
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (Array.isArray(value)) {
    value.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !scalar(pair[1])) {
        refuse(`options.properties[${i}] must be a [key, value] pair of a string and a string, number or boolean; got ${JSON.stringify(pair)}`);
      }
    });
    return value as Array<[string, string]>;
  }
  if (typeof value !== 'object' || value === null) refuse(`options.properties must be an object or [key, value] pairs; got ${JSON.stringify(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (!scalar(v)) refuse(`options.properties.${key} must be a string, number or boolean; got ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

function logLevel(value: unknown, key: string): LogLevelName | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') refuse(`options.${key} must be a log level name; got ${JSON.stringify(value)}`);
  try {
    return parseLogLevel(value, `options.${key}`);
  } catch (error) {
    return refuse((error as Error).message);
  }
}

/** Checks the options pino passed; throws a ConfigError naming the first thing wrong. */
export function parseTransportOptions(raw: unknown, env: NodeJS.ProcessEnv = process.env): TransportTarget {
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    refuse(`options must be an object with 'plugin' (a .so output) or 'config' (a Fluent Bit config file); got ${JSON.stringify(raw)}`);
  }
  const options = raw as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (KNOWN_KEYS.includes(key) || ADDED_BY_PINO.has(key)) continue;
    const near = closestWords(key, KNOWN_KEYS);
    refuse(`unknown option '${key}'${near.length ? `; did you mean ${near.map((k) => `'${k}'`).join(' or ')}?` : ''} (options: ${KNOWN_KEYS.join(', ')})`);
  }
  const plugin = optionalString(options, 'plugin');
  const config = optionalString(options, 'config');
  if (plugin === undefined && config === undefined) refuse(`give options.plugin (a .so output plugin) or options.config (a Fluent Bit config file with a lib input)`);
  if (plugin !== undefined && config !== undefined) refuse(`give options.plugin or options.config, not both`);

  const common: Common = {
    tag: optionalString(options, 'tag'),
    flush: optionalSeconds(options, 'flush', { min: 0.001 }),
    grace: optionalSeconds(options, 'grace', { min: 0, max: MAX_TRANSPORT_GRACE }),
    logLevel: logLevel(options.logLevel, 'logLevel') ?? logLevel(env.FLBHOST_LOG_LEVEL, 'logLevel (from FLBHOST_LOG_LEVEL)') ?? 'info',
  };

  if (config !== undefined) {
    const misplaced = PLUGIN_KEYS.filter((key) => options[key] !== undefined);
    if (misplaced.length > 0) refuse(`options.${misplaced[0]} goes with options.plugin; with options.config, set it in the config file`);
    return { kind: 'config', config, input: optionalString(options, 'input'), ...common };
  }

  if (options.input !== undefined) refuse(`options.input names a lib input of options.config; with options.plugin there is only the transport's own`);
  const isolation = options.isolation ?? 'none';
  if (isolation !== 'none' && isolation !== 'process') refuse(`options.isolation must be 'none' or 'process'; got ${JSON.stringify(isolation)}`);
  const workers = options.workers;
  if (workers !== undefined && (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 64)) {
    refuse(`options.workers must be an integer from 1 to 64; got ${JSON.stringify(workers)}`);
  }
  const retryLimit = options.retryLimit;
  if (retryLimit !== undefined && typeof retryLimit !== 'number' && typeof retryLimit !== 'string') refuse(`options.retryLimit must be a number, 'no_limits' or 'no_retries'; got ${JSON.stringify(retryLimit)}`);
  const memBufLimit = options.memBufLimit ?? DEFAULT_MEM_BUF_LIMIT;
  if (typeof memBufLimit !== 'number' && typeof memBufLimit !== 'string') refuse(`options.memBufLimit must be a size (bytes, or '8M'); got ${JSON.stringify(memBufLimit)}`);
  return {
    kind: 'plugin',
    plugin: plugin!,
    properties: properties(options.properties),
    isolation,
    workers: workers as number | undefined,
    retryLimit: retryLimit as number | string | undefined,
    flushTimeout: optionalSeconds(options, 'flushTimeout', { min: 0 }),
    pluginLogLevel: logLevel(options.pluginLogLevel, 'pluginLogLevel'),
    memBufLimit: memBufLimit as number | string,
    ...common,
  };
}
