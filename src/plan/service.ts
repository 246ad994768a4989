/**
 * The [SERVICE] settings flbhost acts on, each parsed by one rule that the
 * config loaders (for file:line errors as they read) and the plan (for the
 * library API) both call.
 */
import { ConfigError } from '../errors.js';
import { parseLogLevel, type LogLevelName } from '../logging.js';
import type { ServiceConfig } from './config.js';
import { parseBoolean, parseInteger, parseSeconds, parseSize } from './values.js';

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
  storage: StorageSpec;
  http: HttpServiceSpec;
  /** Hot_Reload: SIGHUP and /api/v2/reload reload the configuration. */
  hotReload: boolean;
  /** Plugins_Dir, as written (src/plugins resolves it); unset: installing and deleting plugins is off. */
  pluginsDir?: string;
}

/** The [SERVICE] HTTP_* and health check settings (Fluent Bit's keys; the listen default differs). */
export interface HttpServiceSpec {
  server: boolean;
  listen: string;
  /** 0: a port the OS chooses. */
  port: number;
  healthCheck: boolean;
  hcErrorsCount: number;
  hcRetryFailureCount: number;
  /** Seconds. */
  hcPeriod: number;
  /** HTTP_Token; unset here means "take FLBHOST_HTTP_TOKEN, if set" (src/http/auth.ts). */
  token?: string;
}

/** The [SERVICE] storage.* settings (Fluent Bit's keys and defaults). */
export interface StorageSpec {
  /** Unset: no durable storage (and no filesystem input may be configured). */
  path?: string;
  sync: 'normal' | 'full';
  checksum: boolean;
  maxChunksUp: number;
  backlogMemLimit: number;
  deleteIrrecoverableChunks: boolean;
  metrics: boolean;
}

export const SERVICE_DEFAULTS = {
  flush: 1,
  grace: 5,
  schedulerBase: 5,
  schedulerCap: 2000,
  chunkSize: 2_048_000,
  storageSync: 'normal',
  storageChecksum: false,
  storageMaxChunksUp: 128,
  storageBacklogMemLimit: 100_000_000,
  storageDeleteIrrecoverableChunks: false,
  storageMetrics: true,
  httpServer: false,
  // Fluent Bit listens on 0.0.0.0; flbhost only on loopback unless told.
  httpListen: '127.0.0.1',
  httpPort: 2020,
  healthCheck: false,
  hcErrorsCount: 5,
  hcRetryFailureCount: 5,
  hcPeriod: 60,
  hotReload: false,
} as const;

/** The field of ServiceConfig each [SERVICE] key sets, for the keys flbhost acts on. */
export const SERVICE_KEYS: Record<string, keyof ServiceConfig> = {
  flush: 'flush',
  grace: 'grace',
  log_level: 'logLevel',
  'scheduler.base': 'schedulerBase',
  'scheduler.cap': 'schedulerCap',
  'storage.path': 'storagePath',
  'storage.sync': 'storageSync',
  'storage.checksum': 'storageChecksum',
  'storage.max_chunks_up': 'storageMaxChunksUp',
  'storage.backlog.mem_limit': 'storageBacklogMemLimit',
  'storage.delete_irrecoverable_chunks': 'storageDeleteIrrecoverableChunks',
  'storage.metrics': 'storageMetrics',
  http_server: 'httpServer',
  http_listen: 'httpListen',
  http_port: 'httpPort',
  health_check: 'healthCheck',
  hc_errors_count: 'hcErrorsCount',
  hc_retry_failure_count: 'hcRetryFailureCount',
  hc_period: 'hcPeriod',
  http_token: 'httpToken',
  hot_reload: 'hotReload',
  plugins_dir: 'pluginsDir',
};

type ServiceValue = string | number | boolean;

/** Parses one service value; `where` starts the error message ("fluent-bit.conf:3: flush"). */
export function parseServiceValue<K extends keyof ServiceConfig>(field: K, value: ServiceValue, where: string): unknown {
  switch (field) {
    case 'storagePath':
    case 'pluginsDir': {
      const path = String(value).trim();
      if (path === '') throw new ConfigError(`${where}: the value is empty`);
      return path;
    }
    case 'storageSync': {
      const sync = String(value).trim().toLowerCase();
      if (sync !== 'normal' && sync !== 'full') throw new ConfigError(`${where}: must be 'normal' or 'full'; got '${value}'`);
      return sync;
    }
    case 'httpListen': {
      const listen = String(value).trim();
      if (listen === '') throw new ConfigError(`${where}: the value is empty (an address such as 127.0.0.1 or 0.0.0.0)`);
      return listen;
    }
    case 'httpToken': {
      const token = String(value).trim();
      if (token === '') throw new ConfigError(`${where}: the value is empty (leave the key out to use FLBHOST_HTTP_TOKEN)`);
      return token;
    }
    case 'httpPort':
      return parseInteger(typeof value === 'boolean' ? String(value) : value, where, 0, 65_535);
    case 'hcErrorsCount':
    case 'hcRetryFailureCount':
      return parseInteger(typeof value === 'boolean' ? String(value) : value, where, 0, 1_000_000_000);
    case 'hcPeriod':
      return parseInteger(typeof value === 'boolean' ? String(value) : value, where, 1, 86_400);
    case 'httpServer':
    case 'healthCheck':
    case 'storageChecksum':
    case 'storageDeleteIrrecoverableChunks':
    case 'storageMetrics':
    case 'hotReload':
      return parseBoolean(typeof value === 'number' ? String(value) : value, where);
    case 'storageMaxChunksUp':
      return parseInteger(typeof value === 'boolean' ? String(value) : value, where, 1, 1_000_000);
    case 'storageBacklogMemLimit':
      return parseSize(typeof value === 'boolean' ? String(value) : value, where);
    case 'flush':
    case 'schedulerBase':
    case 'schedulerCap': {
      const seconds = typeof value === 'number' ? value : String(value).trim() === '' ? NaN : Number(String(value).trim());
      if (!(seconds > 0) || !Number.isFinite(seconds)) {
        throw new ConfigError(`${where}: '${value}' is not a number of seconds more than 0${field === 'flush' ? ' (e.g. 1, 0.5)' : ''}`);
      }
      return seconds;
    }
    case 'grace':
      return parseSeconds(value as string | number, where, true);
    case 'chunkSize':
      return parseSize(value as string | number, where);
    case 'logLevel':
      return parseLogLevel(String(value), where);
    default:
      throw new ConfigError(`${where}: not a service setting`);
  }
}

export function planService(config: ServiceConfig = {}): ServiceSpec {
  const read = <K extends 'flush' | 'grace' | 'schedulerBase' | 'schedulerCap' | 'chunkSize'>(field: K, key: string): number =>
    parseServiceValue(field, config[field] ?? SERVICE_DEFAULTS[field], `service.${key}`) as number;
  const storage = <K extends keyof typeof SERVICE_DEFAULTS & keyof ServiceConfig>(field: K, key: string) =>
    parseServiceValue(field, (config[field] as ServiceValue | undefined) ?? SERVICE_DEFAULTS[field], `service.${key}`);
  return {
    flush: read('flush', 'flush'),
    grace: read('grace', 'grace'),
    schedulerBase: read('schedulerBase', 'scheduler.base'),
    schedulerCap: read('schedulerCap', 'scheduler.cap'),
    chunkSize: read('chunkSize', 'chunk_size'),
    logLevel: config.logLevel === undefined ? undefined : parseLogLevel(config.logLevel, 'service.log_level'),
    storage: {
      path: config.storagePath === undefined ? undefined : (parseServiceValue('storagePath', config.storagePath, 'service.storage.path') as string),
      sync: storage('storageSync', 'storage.sync') as 'normal' | 'full',
      checksum: storage('storageChecksum', 'storage.checksum') as boolean,
      maxChunksUp: storage('storageMaxChunksUp', 'storage.max_chunks_up') as number,
      backlogMemLimit: storage('storageBacklogMemLimit', 'storage.backlog.mem_limit') as number,
      deleteIrrecoverableChunks: storage('storageDeleteIrrecoverableChunks', 'storage.delete_irrecoverable_chunks') as boolean,
      metrics: storage('storageMetrics', 'storage.metrics') as boolean,
    },
    http: {
      server: storage('httpServer', 'http_server') as boolean,
      listen: storage('httpListen', 'http_listen') as string,
      port: storage('httpPort', 'http_port') as number,
      healthCheck: storage('healthCheck', 'health_check') as boolean,
      hcErrorsCount: storage('hcErrorsCount', 'hc_errors_count') as number,
      hcRetryFailureCount: storage('hcRetryFailureCount', 'hc_retry_failure_count') as number,
      hcPeriod: storage('hcPeriod', 'hc_period') as number,
      token: config.httpToken === undefined ? undefined : (parseServiceValue('httpToken', config.httpToken, 'service.http_token') as string),
    },
    hotReload: storage('hotReload', 'hot_reload') as boolean,
    pluginsDir: config.pluginsDir === undefined ? undefined : (parseServiceValue('pluginsDir', config.pluginsDir, 'service.plugins_dir') as string),
  };
}
