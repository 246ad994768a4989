/**
 * An input plugin instance. Its native thread runs Init, PreRun and the poll
 * loop; chunks come to JS as raw bytes ('chunk' events, chunks()) or as
 * decoded events ('event' events, events(), for await … of input).
 */
import { EventEmitter } from 'node:events';
import { PluginError } from '../errors.js';
import { decodeChunk, type DecodedEvent } from '../events/decoder.js';
import type { HostLogger, LogLevelName } from '../logging.js';
import type { EventFormat } from '../events/chunk.js';
import type { NativeChunkFailure, NativeInput, NativeInputStats } from '../native.js';
import { InputDelivery, type ArrivedChunk, type ChunkQueue } from './input-delivery.js';
import { parsePrometheusText, type PluginMetric } from './metrics.js';
import type { PluginLibrary } from './library.js';
import { instanceLogger, instanceSettings, startNativeInstance } from './instance-setup.js';
import type { PropertiesInput } from '../plan/properties.js';
import { INSTANCE_DEFAULTS } from '../plan/instances.js';
import { parseMilliseconds } from '../plan/values.js';

export interface InputOptions {
  /** Instance name (Alias); defaults to "<plugin>.<N>". */
  name?: string;
  /** Tag of every event; defaults to the instance name, as in Fluent Bit. */
  tag?: string;
  /** Plugin configuration: what FLBPluginConfigKey reads. */
  properties?: PropertiesInput;
  logLevel?: LogLevelName;
  /** Milliseconds between callback starts (default 1000, Fluent Bit's fixed value); 0 = continuously. */
  interval?: number;
  /**
   * Bytes handed to JS and not yet consumed at which the plugin is paused
   * (FLBPluginInputPause) until consumers catch up (default 16 MiB; 0 = unbounded).
   */
  bufferLimit?: number;
  /** Expand ${ENV} in property values (default true; false when already expanded). */
  expandEnv?: boolean;
}

/**
 * A chunk as the plugin produced it, copied once out of plugin memory and
 * checked on the input thread: `events` valid events (malformed data after
 * them was cut off, counted and logged), timestamps as EventTime.
 */
export interface InputChunk {
  tag: string;
  data: Buffer;
  events: number;
  /** Event shapes in it: v1, v2, or 'mixed' (both). */
  format: EventFormat | 'mixed';
}

export type InputEvent = DecodedEvent;

export type InputStats = NativeInputStats;

export const DEFAULT_INPUT_BUFFER_LIMIT = 16 * 1024 * 1024;

export class InputInstance extends EventEmitter {
  readonly plugin: PluginLibrary;
  readonly name: string;
  readonly id: number;
  readonly tag: string;
  readonly logger: HostLogger;
  private readonly native: NativeInput;
  private readonly delivery: InputDelivery;
  private closing?: Promise<void>;

  /** @internal use PluginLibrary.createInput() */
  constructor(plugin: PluginLibrary, native: NativeInput, tag: string, logger: HostLogger) {
    super();
    this.plugin = plugin;
    this.native = native;
    this.name = native.name;
    this.id = native.id;
    this.tag = tag;
    this.logger = logger;
    this.delivery = new InputDelivery(
      () => this.listenerCount('chunk') + this.listenerCount('event') > 0,
      (data) => this.emitToListeners(data),
      (bytes) => this.native.release(bytes),
    );
    this.on('newListener', (event: string) => {
      if (event === 'chunk' || event === 'event') queueMicrotask(() => this.delivery.consumerAttached());
    });
  }

  /** @internal a checked chunk from the native thread */
  accept(data: Buffer, events: number, format: number, failure?: NativeChunkFailure): void {
    if (failure) {
      this.logger.warn(
        { event: failure.event, offset: failure.offset, kept: events },
        `malformed data from the plugin: ${failure.message}; kept the ${events} event(s) before it, dropped the rest of the chunk`,
      );
    }
    if (events > 0) this.delivery.accept({ data, events, format: format === 3 ? 'mixed' : format === 2 ? 'v2' : 'v1' });
  }

  /** Raw chunks, one copy out of plugin memory, for consumers that forward without decoding. */
  async *chunks(): AsyncGenerator<InputChunk> {
    const queue = this.delivery.openIterator();
    try {
      for (let held = await queue.next(); held; held = await queue.next()) {
        this.delivery.taken(held);
        yield this.asInputChunk(held.arrived);
      }
    } finally {
      this.delivery.closeIterator(queue);
    }
  }

  /** Decoded events, in order; malformed data is counted and logged, never thrown. */
  async *events(): AsyncGenerator<InputEvent> {
    const queue: ChunkQueue = this.delivery.openIterator();
    try {
      for (let held = await queue.next(); held; held = await queue.next()) {
        this.delivery.taken(held);
        yield* this.decode(held.arrived.data);
      }
    } finally {
      this.delivery.closeIterator(queue);
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<InputEvent> {
    return this.events();
  }

  /** Stops polling (FLBPluginInputPause on the instance's thread) until resume(). */
  pause(): void {
    this.native.setPaused(true);
  }

  resume(): void {
    this.native.setPaused(false);
  }

  /** Lets the process exit while this input runs (by default a running input keeps it alive, like a server). */
  unref(): this {
    this.native.setKeepAlive(false);
    return this;
  }

  ref(): this {
    if (!this.closing) this.native.setKeepAlive(true);
    return this;
  }

  stats(): InputStats {
    return this.native.stats();
  }

  /** Crashes and restarts of an isolated instance (undefined in process). */
  supervision(): ReturnType<NonNullable<NativeInput['supervision']>> | undefined {
    return this.native.supervision?.();
  }

  /** The close did not finish in time: an isolated instance's child is killed. */
  terminate(): void {
    this.native.terminate?.();
  }

  /**
   * FLBPluginInputPause, FLBPluginInputPreExit(0), FLBPluginExit on the
   * instance's thread (then Unregister after the library's last instance).
   * Chunks collected before that are still delivered; iterators end after them.
   */
  /**
   * What the plugin recorded in its metrics context (calyptia's
   * fbit.Metrics counters and gauges), read through its own cmetrics code,
   * labelled with plugin and instance. Empty for plugins without metrics.
   */
  async metrics(): Promise<PluginMetric[]> {
    return parsePrometheusText(await this.native.metrics(), { plugin: this.plugin.name, instance: this.name });
  }

  close(): Promise<void> {
    this.closing ??= this.native.close().then(() => {
      // Chunks posted before Exit are queued ahead of the close completion.
      this.native.setKeepAlive(false);
      this.delivery.end();
      this.plugin.backend.detachChunks(this.id);
      this.emit('close');
    });
    return this.closing;
  }

  private asInputChunk(arrived: ArrivedChunk): InputChunk {
    return { tag: this.tag, data: arrived.data, events: arrived.events, format: arrived.format };
  }

  /** The data was checked on the input thread; a failure here is a host bug, reported loudly. */
  private decode(data: Buffer): DecodedEvent[] {
    const { events, failure } = decodeChunk(data, this.tag);
    if (failure) this.logger.error({ event: failure.event, offset: failure.offset }, `flbhost could not decode a checked chunk: ${failure.message}`);
    return events;
  }

  private emitToListeners(arrived: ArrivedChunk): void {
    if (this.listenerCount('chunk') > 0) this.emit('chunk', this.asInputChunk(arrived));
    if (this.listenerCount('event') > 0) for (const event of this.decode(arrived.data)) this.emit('event', event);
  }
}

/** @internal */
export async function createInputInstance(plugin: PluginLibrary, options: InputOptions): Promise<InputInstance> {
  const details = { phase: 'init' as const, path: plugin.path, plugin: plugin.name };
  let interval: number;
  try {
    interval = parseMilliseconds(options.interval ?? INSTANCE_DEFAULTS.interval, `${plugin.name}: interval`);
  } catch (error) {
    throw new PluginError((error as Error).message, details, { cause: error });
  }
  const bufferLimit = options.bufferLimit ?? DEFAULT_INPUT_BUFFER_LIMIT;
  if (!Number.isSafeInteger(bufferLimit) || bufferLimit < 0) {
    throw new PluginError(`${plugin.name}: bufferLimit must be a non-negative integer number of bytes; got ${String(bufferLimit)}`, details);
  }
  const native = plugin.native.createInput({
    name: options.name,
    ...instanceSettings(plugin, 'input', options),
    intervalNs: Math.round(interval * 1e6),
    bufferLimit,
  });
  // Attached before start: the first chunk may arrive right after Init.
  let input: InputInstance | undefined;
  const logger = instanceLogger(plugin, native, (chunk, events, format, failure) => input?.accept(chunk, events, format, failure));
  input = new InputInstance(plugin, native, options.tag ?? native.name, logger);

  try {
    await startNativeInstance(plugin, native, logger);
  } catch (error) {
    plugin.backend.detachChunks(native.id);
    throw error;
  }
  native.setKeepAlive(true);
  logger.debug({ interval, bufferLimit, tag: input.tag }, 'input instance started');
  return input;
}
