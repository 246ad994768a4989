/**
 * The interface every pipeline plugin implements: the built-ins (src/builtin),
 * plugins users write in TypeScript, and the adapters around .so plugins
 * (so-plugins.ts). It mirrors the Fluent Bit lifecycle: init, then collect
 * (inputs) or flush (outputs) resolving ok | retry | error, then exit.
 */
import type { Chunk, EventFormat } from '../events/chunk.js';
import type { DecodedEvent } from '../events/decoder.js';
import type { LogEvent } from '../events/encoder.js';
import type { FlushResult } from '../proxy/output.js';
import type { PluginMetric } from '../proxy/metrics.js';
import type { HostLogger } from '../logging.js';

/** Instance properties as a plugin sees them: reserved keys removed, ${ENV} expanded. */
export interface PluginProperties {
  /** Case-insensitive lookup, first match wins (as Fluent Bit's get_property). */
  get(key: string): string | undefined;
  entries(): Array<[string, string]>;
}

export interface PluginContext {
  /** Instance name, e.g. "dummy.0" or the Alias. */
  readonly name: string;
  readonly properties: PluginProperties;
  readonly logger: HostLogger;
}

/** What an input hands to the engine. */
export interface InputSink {
  /**
   * Events, encoded once into the engine's chunk format. Returns false when
   * the engine wants the input to slow down (it will also be paused).
   */
  events(events: Iterable<LogEvent>, tag?: string): boolean;
  /** Raw MessagePack event bytes (e.g. from a .so input), normalised by the engine. */
  raw(data: Uint8Array, tag?: string): boolean;
  /** Events already encoded by flbhost's encoder (a Chunk is valid by construction). */
  chunk(chunk: Chunk, tag?: string): boolean;
  /** The input has no more data (stdin at EOF, dummy after `samples`). */
  end(): void;
  /**
   * Resolves once everything handed over so far is stored as the input's
   * storage.type asks: at once in memory; written (and synced, with
   * storage.sync full) for a filesystem input. Rejects, saying why, when
   * some of it could not be written (the records are still delivered from
   * memory, but would not survive a crash).
   */
  stored(): Promise<void>;
  /** Records the input refused itself under a drop policy: counted and logged. */
  dropped(records: number, reason: string): void;
}

export interface InputContext extends PluginContext {
  /** The input's Tag (default: the instance name). */
  readonly tag: string;
  /** The engine's chunk size: inputs that batch hand over at most this much at a time. */
  readonly chunkSize: number;
  readonly sink: InputSink;
  /** Where the input's chunks live (its storage.type). */
  readonly storage: 'memory' | 'filesystem';
}

/**
 * An input. Either push-style (start() and hand data to ctx.sink whenever it
 * comes) or poll-style (collect() is called every `interval` ms).
 */
export interface InputPlugin {
  /** Registered name, used in configs (`Name dummy`). */
  readonly name: string;
  readonly description?: string;
  init?(ctx: InputContext): void | Promise<void>;
  /** Push-style inputs start producing here. */
  start?(ctx: InputContext): void | Promise<void>;
  /** Poll-style inputs return events (or nothing) each interval. */
  collect?(ctx: InputContext): Iterable<LogEvent> | undefined | Promise<Iterable<LogEvent> | undefined>;
  /** Milliseconds between collect() calls (default 1000). */
  readonly interval?: number;
  /** Stop producing until resume() (backpressure, shutdown). */
  pause?(): void;
  resume?(): void;
  exit?(): void | Promise<void>;
  /** Metrics the plugin keeps itself (a .so's cmetrics), labelled with plugin and instance. */
  metrics?(): Promise<PluginMetric[]>;
  /** An isolated .so: its crashes and restarts (see Supervised). */
  supervision?(): SupervisionCounts | undefined;
  /** The exit did not finish within the grace period: end it by force (an isolated .so's child is killed). */
  terminate?(): void;
}

/** What an instance running in a child process of its own has been through. */
export interface SupervisionCounts {
  crashes: number;
  flushTimeouts: number;
  restarts: number;
  failed: boolean;
}

/** One chunk for an output: the bytes, and the events decoded on demand. */
export interface OutputChunk {
  readonly tag: string;
  /** The whole chunk, in the output's event format (assembled on first use). */
  readonly chunk: Chunk;
  readonly records: number;
  /** Decodes the chunk (cached). */
  events(): DecodedEvent[];
  /**
   * The chunk as the pieces it was built from, in order, when they are all
   * in the output's format already: a plugin that copies the bytes anyway
   * (the .so adapter) skips assembling them.
   */
  pieces(): Uint8Array[] | undefined;
}

export interface OutputContext extends PluginContext {}

export interface OutputPlugin {
  readonly name: string;
  readonly description?: string;
  /** Event format this output wants its chunks in (default 'v1'). */
  readonly eventFormat?: EventFormat;
  init?(ctx: OutputContext): void | Promise<void>;
  flush(chunk: OutputChunk, ctx: OutputContext): FlushResult | Promise<FlushResult>;
  /**
   * True when the plugin queues flushes itself and runs at most `workers` of
   * them at once (the .so adapter: its native threads do). The engine then
   * hands it chunks as soon as they are sealed, up to half the output's queue
   * limit in bytes, instead of `workers` at a time. Why: a flush's result
   * reaches the engine only when the JS thread is free, so with `workers`
   * in flight a plugin sits idle while the application pushes records in a
   * loop.
   */
  readonly queuesFlushes?: boolean;
  /**
   * With queuesFlushes: drops the flushes handed over but not started; their
   * flush() promises reject with FlushCancelledError. Called at the end of
   * the grace period, so that chunks queued ahead do not delay the exit.
   */
  cancelQueued?(): void;
  exit?(): void | Promise<void>;
  /** Metrics the plugin keeps itself (a .so's cmetrics), labelled with plugin and instance. */
  metrics?(): Promise<PluginMetric[]>;
  /** An isolated .so: its crashes, flush timeouts and restarts. */
  supervision?(): SupervisionCounts | undefined;
  /** The exit did not finish within the grace period: end it by force (an isolated .so's child is killed). */
  terminate?(): void;
}

/** Host settings of the instance being created (plugins may ignore them). */
export interface InstanceSettings {
  /** The instance's name (its Alias, or "<plugin>.<N>"); absent where an instance is made outside a pipeline. */
  name?: string;
  logLevel?: import('../logging.js').LogLevelName;
  /** Outputs: concurrent flushes the engine will make. */
  workers?: number;
  /** Outputs: the event format the engine will hand over. */
  eventFormat?: EventFormat;
  /** Inputs: milliseconds between collects. */
  interval?: number;
  /** .so plugins: where the instance runs. */
  isolation?: import('../plan/config.js').Isolation;
  /** Outputs: seconds a flush may take (0: no limit). */
  flushTimeout?: number;
  /** .so outputs: bytes of queued chunks one flush may carry under a backlog (0: one chunk per flush). */
  flushMergeLimit?: number;
}

/**
 * What the plan needs to know about a plugin before any instance exists.
 * Every field is optional: a plugin that says nothing accepts anything.
 */
export interface PluginTraits {
  /**
   * The property keys the plugin reads (case-insensitive). When given, any
   * other key is refused with the closest known ones, as Fluent Bit refuses
   * unknown keys of its built-in plugins. Reserved engine keys never count.
   */
  readonly keys?: readonly string[];
  /** Outputs: the event formats the plugin can decode (default both); the first is used when the configured one is not among them. */
  readonly eventFormats?: readonly EventFormat[];
  /** Why at most one instance of this plugin can exist in the process (calyptia/plugin keeps its state in package globals). */
  readonly singleInstance?: string;
  /** Why no instance of this plugin can be created at all (an output registered for metrics only, say). */
  readonly unusable?: string;
  /** Whether its instances can run in a child process (`Isolation process`): .so plugins only. */
  readonly isolatable?: boolean;
  /**
   * The plugin runs on a garbage-collected runtime (a Go .so): its collector
   * runs less often with bigger flushes, so its outputs merge queued chunks
   * by default (Flush_Merge_Limit, plan/instances.ts).
   */
  readonly garbageCollected?: boolean;
}

/** Makes plugin instances; `create` is called once per configured instance. */
export interface InputPluginFactory extends PluginTraits {
  readonly kind: 'input';
  readonly name: string;
  readonly description: string;
  create(settings: InstanceSettings): InputPlugin | Promise<InputPlugin>;
}

export interface OutputPluginFactory extends PluginTraits {
  readonly kind: 'output';
  readonly name: string;
  readonly description: string;
  create(settings: InstanceSettings): OutputPlugin | Promise<OutputPlugin>;
}

export type PluginFactory = InputPluginFactory | OutputPluginFactory;
