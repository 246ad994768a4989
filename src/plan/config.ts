/**
 * What a pipeline is made of, as the library API takes it. Every setting can
 * be given as a typed field or, as in a Fluent Bit config, as a key inside
 * `properties` (Match, Tag, Retry_Limit, Mem_Buf_Limit, ...): the command
 * line's config parsers produce exactly these objects. Keys Fluent Bit keeps
 * for itself never reach the plugin.
 */
import type { EventFormat } from '../events/chunk.js';
import type { Backend } from '../backend/backend.js';
import type { HostLogger, LogLevelName } from '../logging.js';
import type { PropertiesInput } from './properties.js';
import type { PluginFactory } from '../engine/plugin-api.js';

export interface ServiceConfig {
  /** Seconds between flushes of open chunks (Fluent Bit `Flush`, default 1). */
  flush?: number | string;
  /** Seconds stop() waits for pending data (default 5; -1 = until done). */
  grace?: number | string;
  logLevel?: LogLevelName;
  /** Retry backoff, seconds (scheduler.base 5, scheduler.cap 2000). */
  schedulerBase?: number | string;
  schedulerCap?: number | string;
  /** Bytes at which a chunk is flushed before the interval (default 2 MB, Fluent Bit's chunk size). */
  chunkSize?: number | string;
  /** `storage.path`: the directory of durable chunks (needed by `storage.type filesystem` inputs). */
  storagePath?: string;
  /** `storage.sync`: 'normal' (default) or 'full' (fdatasync every write: survives a power loss). */
  storageSync?: string;
  /** `storage.checksum`: CRC-32 in every chunk file, checked when read back (default off). */
  storageChecksum?: boolean | string;
  /** `storage.max_chunks_up`: durable chunks whose data is kept in memory (default 128). */
  storageMaxChunksUp?: number | string;
  /** `storage.backlog.mem_limit` (default 100M): accepted for compatibility; see docs/storage.md. */
  storageBacklogMemLimit?: number | string;
  /** `storage.delete_irrecoverable_chunks`: delete damaged chunk files instead of moving them aside (default off). */
  storageDeleteIrrecoverableChunks?: boolean | string;
  /** `storage.metrics` (default on): accepted for compatibility. */
  storageMetrics?: boolean | string;
  /** `HTTP_Server`: serve the monitoring endpoints (default off; see src/http). */
  httpServer?: boolean | string;
  /** `HTTP_Listen`: the address to bind (default 127.0.0.1; Fluent Bit's is 0.0.0.0). */
  httpListen?: string;
  /** `HTTP_Port` (default 2020; 0: a port the OS chooses, logged once bound). */
  httpPort?: number | string;
  /** `Health_Check`: serve /api/v1/health (default off). */
  healthCheck?: boolean | string;
  /** `HC_Errors_Count`: output errors within HC_Period above which the health check fails (default 5). */
  hcErrorsCount?: number | string;
  /** `HC_Retry_Failure_Count`: exhausted retries within HC_Period above which it fails (default 5). */
  hcRetryFailureCount?: number | string;
  /** `HC_Period`: the health check's window, in seconds (default 60). */
  hcPeriod?: number | string;
  /** `HTTP_Token` (flbhost's own): the bearer token the endpoints that change state require (else FLBHOST_HTTP_TOKEN). */
  httpToken?: string;
  /** `Hot_Reload`: SIGHUP and POST/PUT /api/v2/reload reload the configuration (default off). */
  hotReload?: boolean | string;
  /**
   * `Plugins_Dir` (flbhost's own): the directory the plugin management API and
   * `flbhost plugins` install .so files into (relative: to the working
   * directory). Unset: plugins can be listed, not installed or deleted.
   */
  pluginsDir?: string;
}

export interface InputConfig {
  /** Where it was configured ("fluent-bit.conf:12"); error messages start with it. */
  source?: string;
  /** Where each entry of `properties` was written ("fluent-bit.conf:14"), by position: errors about a key point at its line. */
  propertySources?: string[];
  /** Expand ${ENV} in property values (default true; config files expand when read). */
  expandEnv?: boolean;
  /** Plugin name: a built-in (lib, dummy, stdin), a loaded .so, or a registered TS plugin. */
  name: string;
  alias?: string;
  /** Tag of its events (default: the instance name). */
  tag?: string;
  /** Bytes buffered in the engine at which the input is paused (default: no per-input limit). */
  memBufLimit?: number | string;
  logLevel?: LogLevelName;
  /** Milliseconds between collects, for .so inputs and poll-style TS inputs (default 1000). */
  interval?: number;
  /** `storage.type`: 'memory' (default) or 'filesystem' (chunks written under the service's storage.path). */
  storageType?: string;
  /** .so plugins: 'process' runs the instance in a child process of its own (key Isolation; default 'none'). */
  isolation?: Isolation;
  properties?: PropertiesInput;
}

export interface OutputConfig {
  /** Where it was configured ("fluent-bit.conf:12"); error messages start with it. */
  source?: string;
  /** Where each entry of `properties` was written ("fluent-bit.conf:14"), by position: errors about a key point at its line. */
  propertySources?: string[];
  /** Expand ${ENV} in property values (default true; config files expand when read). */
  expandEnv?: boolean;
  name: string;
  alias?: string;
  /** Tag pattern with `*` wildcards. */
  match?: string;
  /** Regular expression on the tag; tried instead of match. */
  matchRegex?: string;
  /** Re-tries after the first attempt; 'no_limits' / -1 unlimited; 'no_retries' / 0 none (default 1). */
  retryLimit?: number | string;
  /** Concurrent flushes (default 1). */
  workers?: number | string;
  /** Bytes held for this output at which its inputs are paused (default 64 MiB; key storage.total_limit_size). */
  queueLimit?: number | string;
  eventFormat?: EventFormat;
  logLevel?: LogLevelName;
  /** .so plugins: 'process' runs the instance in a child process of its own (key Isolation; default 'none'). */
  isolation?: Isolation;
  /** Seconds a flush may take (key Flush_Timeout; default 0, none): isolated, the child is killed and the chunk retried; in process, it is logged. */
  flushTimeout?: number | string;
  /**
   * .so plugins: under a backlog, one flush carries the queued chunks of a
   * tag up to this many bytes (key Flush_Merge_Limit; default 8M for Go
   * plugins, 0 for others; 0 or 'off': one chunk per flush, as Fluent Bit).
   */
  flushMergeLimit?: number | string;
  properties?: PropertiesInput;
}

export interface CustomConfig {
  /** Where it was configured ("fluent-bit.conf:12"); error messages start with it. */
  source?: string;
  /** Where each entry of `properties` was written ("fluent-bit.conf:14"), by position: errors about a key point at its line. */
  propertySources?: string[];
  /** Expand ${ENV} in property values (default true; config files expand when read). */
  expandEnv?: boolean;
  name: string;
  alias?: string;
  logLevel?: LogLevelName;
  /** .so plugins: 'process' runs the instance in a child process of its own (key Isolation; default 'none'). */
  isolation?: Isolation;
  properties?: PropertiesInput;
}

/** Where a .so plugin's instance runs: in flbhost ('none') or in a child process of its own ('process'). */
export type Isolation = 'none' | 'process';

export interface PipelineConfig {
  service?: ServiceConfig;
  /** .so plugins to load; instances then refer to them by registered name. */
  plugins?: string[];
  /** Plugins written in TypeScript, referred to by name. */
  register?: PluginFactory[];
  inputs?: InputConfig[];
  outputs?: OutputConfig[];
  customs?: CustomConfig[];
  logger?: HostLogger;
  /** What runs .so plugins (default: this process, through the addon). */
  backend?: Backend;
}
