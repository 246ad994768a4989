/**
 * An output plugin instance, driven through its lifecycle:
 * created → init (FLBPluginInit, PreRun) → running (flushes) → closing
 * (PreExit, Exit) → closed; or failed when Init returns <= 0 (Init is never
 * retried and nothing else is called).
 */
import { ChunkError, ConfigError, FlushCancelledError, PluginError } from '../errors.js';
import { convertChunk, isChunk, validateChunk, type Chunk, type EventFormat } from '../events/chunk.js';
import { encodeChunk, type LogEvent } from '../events/encoder.js';
import type { HostLogger, LogLevelName } from '../logging.js';
import type { NativeOutput } from '../native.js';
import { parsePrometheusText, type PluginMetric } from './metrics.js';
import type { PluginLibrary } from './library.js';
import { instanceLogger, instanceSettings, startNativeInstance } from './instance-setup.js';
import type { PropertiesInput } from '../plan/properties.js';
import { PlanContext, planOutput } from '../plan/instances.js';
import type { OutputSpec } from '../plan/specs.js';

export interface OutputOptions {
  /** Instance name (Fluent Bit's Alias); defaults to "<plugin>.<N>". */
  name?: string;
  /** Plugin configuration: what FLBPluginConfigKey reads. */
  properties?: PropertiesInput;
  /** Level answered by output_log_check; defaults to the logger's level. */
  logLevel?: LogLevelName;
  /** Native threads and concurrent flushes for this instance (default 1). */
  workers?: number;
  /** Event format the plugin receives (default 'v1', decoded by every Go library). */
  eventFormat?: EventFormat;
  /** Expand ${ENV} in property values (default true; false when already expanded). */
  expandEnv?: boolean;
  /**
   * Seconds a flush may take (default 0: no limit). Loaded with isolation
   * 'process', the child is killed and the chunk retried in a new one; in
   * process a flush cannot be stopped, and the overrun is only logged.
   */
  flushTimeout?: number;
  /**
   * Under a backlog, one flush carries the queued chunks of a tag up to this
   * many bytes (default 8 MiB for Go plugins, 0 for others; 0: one chunk per
   * flush, as Fluent Bit). Each flush() still settles on its own.
   */
  flushMergeLimit?: number | string;
}

/** What a flush came to: the plugin's FLB_OK, FLB_RETRY, or anything else. */
export type FlushResult = 'ok' | 'retry' | 'error';

export type OutputState = 'running' | 'closing' | 'closed';

/** Largest chunk a Go plugin can take: fluent-bit-go declares the length as C.int. */
export const MAX_CHUNK_BYTES = 0x7fffffff;

export function flushResultOf(code: number): FlushResult {
  return code === 1 ? 'ok' : code === 2 ? 'retry' : 'error';
}

export class OutputInstance {
  readonly plugin: PluginLibrary;
  readonly name: string;
  /** Process-wide id; plugin log lines carry it. */
  readonly id: number;
  readonly eventFormat: EventFormat;
  readonly workers: number;
  readonly logger: HostLogger;
  private stateValue: OutputState = 'running';
  private closing?: Promise<void>;
  private readonly native: NativeOutput;
  /** Seconds after which a flush still running is logged (in process: it cannot be stopped); 0 = never. */
  private readonly overrunSeconds: number;

  /** @internal use PluginLibrary.createOutput() */
  constructor(plugin: PluginLibrary, native: NativeOutput, eventFormat: EventFormat, workers: number, logger: HostLogger, flushTimeout = 0) {
    this.plugin = plugin;
    this.native = native;
    // A backend that supervises its instances enforces the timeout itself.
    this.overrunSeconds = native.supervision ? 0 : flushTimeout;
    this.name = native.name;
    this.id = native.id;
    this.eventFormat = eventFormat;
    this.workers = workers;
    this.logger = logger;
  }

  get state(): OutputState {
    return this.stateValue;
  }

  /**
   * Hands one chunk to the plugin (FLBPluginFlushCtx, or FLBPluginFlush) on
   * this instance's thread. `data` may be a Chunk (from encodeChunk: passed
   * as is), raw bytes (validated first, ChunkError if malformed), or events
   * (encoded). An empty chunk resolves 'ok' without calling the plugin, as in
   * Fluent Bit. Raw and Chunk bytes are not copied: don't modify them until
   * the promise settles.
   */
  async flush(tag: string, data: Chunk | Uint8Array | readonly LogEvent[]): Promise<FlushResult> {
    if (this.stateValue !== 'running') {
      throw new PluginError(`${this.name}: cannot flush, the instance is ${this.stateValue}`, this.details('flush'));
    }
    if (typeof tag !== 'string' || tag.length === 0 || tag.includes('\0')) {
      throw new TypeError(`${this.name}: flush tag must be a non-empty string without NUL bytes`);
    }
    const chunk = this.toChunk(data);
    if (chunk.events === 0) return 'ok';
    if (chunk.data.byteLength > MAX_CHUNK_BYTES) {
      throw new ChunkError(`${chunk.data.byteLength} bytes is more than a plugin can take (${MAX_CHUNK_BYTES})`, 0, 0);
    }
    return this.resultOf(tag, await this.watched(tag, this.native.flush(tag, chunk.data)));
  }

  /** Crashes, flush timeouts and restarts of an isolated instance (undefined in process). */
  supervision(): ReturnType<NonNullable<NativeOutput['supervision']>> | undefined {
    return this.native.supervision?.();
  }

  /** The close did not finish in time: an isolated instance's child is killed (in process: nothing can be done). */
  terminate(): void {
    this.native.terminate?.();
  }

  /** In process, a flush past Flush_Timeout can only be reported: once, while it still runs. */
  private watched<T>(tag: string, flush: Promise<T>): Promise<T> {
    if (this.overrunSeconds <= 0) return flush;
    const timer = setTimeout(() => {
      this.logger.warn(
        { tag, flushTimeout: this.overrunSeconds },
        `a flush has run longer than Flush_Timeout (${this.overrunSeconds} s); in process it cannot be stopped (run the instance with Isolation process to have it killed and retried)`,
      );
    }, this.overrunSeconds * 1000);
    timer.unref();
    return flush.finally(() => clearTimeout(timer));
  }

  /**
   * Drops the flushes handed over but not yet started: each of their
   * flush() promises rejects with FlushCancelledError, and the plugin never
   * sees them. Flushes already inside the plugin are not affected. Returns
   * how many were dropped.
   */
  cancelQueued(): number {
    return this.native.cancelQueued();
  }

  private resultOf(tag: string, code: number | null): FlushResult {
    if (code === null) throw new FlushCancelledError(this.name, tag);
    const result = flushResultOf(code);
    if (result === 'error' && code !== 0) {
      this.logger.warn({ tag, returnCode: code }, `flush returned ${code}, which is not FLB_OK, FLB_RETRY or FLB_ERROR: treated as FLB_ERROR`);
    }
    return result;
  }

  /**
   * @internal The engine's path: a chunk still in the pieces it was built
   * from (all trusted, all in this instance's event format), copied once
   * into the flush's own memory.
   */
  async flushPieces(tag: string, pieces: Uint8Array[]): Promise<FlushResult> {
    if (this.stateValue !== 'running') {
      throw new PluginError(`${this.name}: cannot flush, the instance is ${this.stateValue}`, this.details('flush'));
    }
    return this.resultOf(tag, await this.watched(tag, this.native.flush(tag, pieces)));
  }

  /**
   * What the plugin recorded in its metrics context (calyptia's
   * fbit.Metrics counters and gauges), read through its own cmetrics code,
   * labelled with plugin and instance. Empty for plugins without metrics.
   */
  async metrics(): Promise<PluginMetric[]> {
    return parsePrometheusText(await this.native.metrics(), { plugin: this.plugin.name, instance: this.name });
  }

  /**
   * FLBPluginOutputPreExit(0), then FLBPluginExitCtx (or FLBPluginExit), after
   * every flush already handed over has returned; then FLBPluginUnregister if
   * this was the library's last instance. Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.stateValue = 'closing';
      this.closing = this.native.close().then(() => {
        this.stateValue = 'closed';
      });
    }
    return this.closing;
  }

  private toChunk(data: Chunk | Uint8Array | readonly LogEvent[]): Chunk {
    if (isChunk(data)) return convertChunk(data, this.eventFormat);
    if (data instanceof Uint8Array) return validateChunk(data, this.eventFormat);
    if (Array.isArray(data)) return encodeChunk(data, { format: this.eventFormat });
    throw new TypeError(`${this.name}: flush data must be a Chunk, a Uint8Array or an array of events`);
  }

  private details(phase: 'init' | 'flush' | 'exit', returnCode?: number) {
    return { phase, path: this.plugin.path, plugin: this.plugin.name, instance: this.name, returnCode };
  }
}

/** What starting an output needs, every value already checked (by planOutput). */
export interface ResolvedOutput {
  /** Instance name; the addon numbers one ("<plugin>.N") when absent. */
  name?: string;
  properties: Array<[string, string]>;
  logLevel?: LogLevelName;
  workers: number;
  eventFormat: EventFormat;
  /** Seconds a flush may take; 0 = no limit. */
  flushTimeout?: number;
  /** Bytes of queued chunks one flush may carry under a backlog; 0 = one chunk per flush. */
  flushMergeLimit?: number;
}

/** @internal The library API: the options go through the same plan as a pipeline's outputs. */
export async function createOutputInstance(plugin: PluginLibrary, options: OutputOptions): Promise<OutputInstance> {
  const ctx = new PlanContext({ numberInstances: false });
  let spec: OutputSpec;
  try {
    spec = planOutput(
      {
        name: plugin.name,
        alias: options.name,
        properties: options.properties,
        logLevel: options.logLevel,
        workers: options.workers,
        eventFormat: options.eventFormat,
        expandEnv: options.expandEnv,
        flushTimeout: options.flushTimeout,
        flushMergeLimit: options.flushMergeLimit,
      },
      { kind: 'output', name: plugin.name, ...plugin.traits, singleInstance: undefined, isolatable: false },
      plugin.path,
      ctx,
    );
  } catch (error) {
    if (error instanceof ConfigError) throw new PluginError(error.message, { phase: 'init', path: plugin.path, plugin: plugin.name }, { cause: error });
    throw error;
  }
  for (const warning of ctx.warnings) plugin.logger.warn(warning);
  return startOutputInstance(plugin, {
    name: options.name,
    properties: spec.properties,
    logLevel: spec.logLevel,
    workers: spec.workers,
    eventFormat: spec.eventFormat,
    flushTimeout: spec.flushTimeout,
    flushMergeLimit: spec.flushMergeLimit,
  });
}

/** @internal Init (and PreRun) of an output whose settings are resolved. */
export async function startOutputInstance(plugin: PluginLibrary, spec: ResolvedOutput): Promise<OutputInstance> {
  const { workers, eventFormat, flushTimeout = 0, flushMergeLimit = 0 } = spec;
  const native = plugin.native.createOutput({
    name: spec.name,
    ...instanceSettings(plugin, 'output', { properties: spec.properties, logLevel: spec.logLevel, expandEnv: false }),
    workers,
    flushTimeout,
    mergeLimit: flushMergeLimit,
  });
  const logger = instanceLogger(plugin, native);
  await startNativeInstance(plugin, native, logger);
  logger.debug({ workers, eventFormat }, 'output instance started');
  return new OutputInstance(plugin, native, eventFormat, workers, logger, flushTimeout);
}
