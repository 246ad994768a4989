/**
 * One input in a pipeline: runs its plugin (push-style start() or a
 * collect() loop), turns what it produces into trusted chunks, counts its
 * bytes while outputs hold them (bufferedBytes), and pauses it when its
 * Mem_Buf_Limit or the queue limit of an output it feeds is reached. It
 * resumes once both are back under half their limit (byte-accounting.ts).
 */
import { EventEmitter } from 'node:events';
import type { Chunk, EventFormat } from '../events/chunk.js';
import { ChunkWriter, type LogEvent } from '../events/encoder.js';
import { normalizeInputChunk } from '../events/normalize.js';
import { ByteCount, mayResume, mustPause, type BufferOwner } from './byte-accounting.js';
import { emptyInputMetrics, type InputMetrics } from './counters.js';
import type { OutputRunner } from './output-runner.js';
import type { InputContext, InputPlugin, InputSink } from './plugin-api.js';

export interface InputRunnerOptions {
  name: string;
  tag: string;
  plugin: InputPlugin;
  context: Omit<InputContext, 'sink' | 'tag' | 'chunkSize' | 'storage'>;
  storage?: 'memory' | 'filesystem';
  /** Bytes of this input buffered in the engine at which it is paused; 0 = no limit. */
  memBufLimit: number;
  /** Milliseconds between collect() calls for poll-style inputs. */
  interval: number;
  /** Encoded batches are cut at this size, so outputs can keep chunks within it. */
  chunkSize: number;
  /** Hands a trusted chunk to the router; returns the outputs it went to, and when it is stored (durable storage). */
  route(input: InputRunner, tag: string, chunk: Chunk): { outputs: OutputRunner[]; stored?: Promise<void> };
}

export class InputRunner extends EventEmitter implements BufferOwner {
  readonly name: string;
  readonly tag: string;
  readonly plugin: InputPlugin;
  readonly context: InputContext;
  private readonly metricsValue: InputMetrics = emptyInputMetrics();
  /** bufferedBytes: this input's data routed to outputs and not settled yet, once per output. */
  private readonly buffered: ByteCount;
  /** The queued bytes of every output this input has fed: all must be under half to resume. */
  private readonly feeds = new Set<ByteCount>();
  private pausedByPressure = false;
  private stopped = false;
  /** Set when the outputs have closed: data that still arrives can go nowhere. */
  private refusing = false;
  private ended = false;
  private collectTimer?: NodeJS.Timeout;
  private collecting = false;
  /** Durable appends not settled yet: what sink.stored() waits for. */
  private readonly storing = new Set<Promise<void>>();

  constructor(private readonly options: InputRunnerOptions) {
    super();
    this.name = options.name;
    this.tag = options.tag;
    this.plugin = options.plugin;
    this.buffered = ByteCount.memBufLimit(options.memBufLimit);
    const sink: InputSink = {
      events: (events, tag) => this.acceptEvents(events, tag ?? this.tag),
      raw: (data, tag) => this.acceptRaw(data, tag ?? this.tag),
      chunk: (chunk, tag) => (chunk.events > 0 ? this.accept(tag ?? this.tag, chunk) : !this.pausedByPressure),
      end: () => this.markEnded(),
      stored: () => Promise.all([...this.storing]).then(() => undefined),
      dropped: (records, reason) => this.countDropped(records, reason),
    };
    this.context = { ...options.context, tag: options.tag, chunkSize: options.chunkSize, sink, storage: options.storage ?? 'memory' };
  }

  get paused(): boolean {
    return this.pausedByPressure;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  metrics(): InputMetrics {
    const supervised = this.plugin.supervision?.();
    return {
      ...this.metricsValue,
      bufferedBytes: this.buffered.bytes,
      paused: this.pausedByPressure,
      crashes: supervised?.crashes ?? 0,
      restarts: supervised?.restarts ?? 0,
    };
  }

  async init(): Promise<void> {
    await this.plugin.init?.(this.context);
  }

  async start(): Promise<void> {
    if (this.plugin.start) await this.plugin.start(this.context);
    if (this.plugin.collect) this.scheduleCollect(0);
  }

  /** Shutdown: stop producing for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.collectTimer);
    this.plugin.pause?.();
  }

  /**
   * Shutdown, once the outputs have closed: anything the plugin still hands
   * over (an exit that outlived Grace) is counted as dropped and logged,
   * instead of opening a chunk nothing will ever flush.
   */
  refuseLateData(): void {
    this.refusing = true;
  }

  async exit(): Promise<void> {
    this.stop();
    await this.plugin.exit?.();
  }

  /** BufferOwner: `bytes` of this input's data were routed (counted once per output). */
  hold(bytes: number): void {
    this.buffered.add(bytes);
  }

  /** BufferOwner: an output is done with `bytes` of this input's data. */
  release(bytes: number): void {
    this.buffered.release(bytes);
  }

  /** After outputs released bytes: resume if every limit is back under its mark. */
  reconsider(): void {
    if (!this.pausedByPressure || this.stopped) return;
    if (!mayResume(this.buffered, this.feeds)) return;
    this.pausedByPressure = false;
    this.plugin.resume?.();
    if (this.plugin.collect && !this.collectTimer) this.scheduleCollect(0);
    this.emit('resume');
  }

  private lastDropLog = 0;

  /** Drop policies: count what the input refused, and say so (at most once a second). */
  private countDropped(records: number, reason: string): void {
    this.metricsValue.droppedRecords += records;
    const now = Date.now();
    if (now - this.lastDropLog >= 1000) {
      this.lastDropLog = now;
      this.context.logger.warn({ droppedRecords: this.metricsValue.droppedRecords }, `records dropped: ${reason}`);
    }
  }

  private acceptEvents(events: Iterable<LogEvent>, tag: string): boolean {
    const list = Array.isArray(events) ? (events as LogEvent[]) : [...events];
    if (list.length === 0) return !this.pausedByPressure;
    const format: EventFormat = list.some((e) => e.metadata !== undefined && Object.keys(e.metadata).length > 0) ? 'v2' : 'v1';
    const writer = new ChunkWriter(format, Math.min(this.options.chunkSize, list.length * 256));
    for (const event of list) {
      writer.append(event);
      if (writer.byteLength >= this.options.chunkSize) this.accept(tag, writer.finish());
    }
    if (writer.events > 0) this.accept(tag, writer.finish());
    return !this.pausedByPressure;
  }

  private acceptRaw(data: Uint8Array, tag: string): boolean {
    const { chunk, failure } = normalizeInputChunk(data);
    if (failure) {
      this.metricsValue.malformedChunks++;
      this.context.logger.warn(
        { event: failure.event, offset: failure.offset, kept: chunk.events },
        `malformed data: ${failure.message}; kept the ${chunk.events} event(s) before it, dropped the rest of the chunk`,
      );
    }
    return chunk.events > 0 ? this.accept(tag, chunk) : !this.pausedByPressure;
  }

  private accept(tag: string, chunk: Chunk): boolean {
    const m = this.metricsValue;
    m.records += chunk.events;
    m.bytes += chunk.data.length;
    if (this.refusing) {
      this.countDropped(chunk.events, 'they arrived after the grace period, when the outputs had closed');
      return false;
    }
    const { outputs, stored } = this.options.route(this, tag, chunk);
    // One line per chunk at trace (-vv).
    if (this.context.logger.level === 'trace') {
      this.context.logger.trace({ tag, records: chunk.events, bytes: chunk.data.length, outputs: outputs.length }, `chunk: ${chunk.events} record(s) for ${outputs.length} output(s)`);
    }
    if (stored) {
      this.storing.add(stored);
      const done = () => this.storing.delete(stored);
      stored.then(done, done);
    }
    if (outputs.length === 0) {
      m.unroutedRecords += chunk.events;
      this.emit('unrouted', tag, chunk.events);
      return !this.pausedByPressure;
    }
    // A filesystem input is not held back by an output that drops its oldest
    // chunks to stay under storage.total_limit_size (Fluent Bit's rule).
    const holding = this.context.storage === 'filesystem' ? outputs.filter((output) => !output.evictsOldest) : outputs;
    for (const output of holding) this.feeds.add(output.queued);
    this.checkPressure(holding);
    return !this.pausedByPressure;
  }

  /** `outputs`: those that can hold this input back (see accept()). */
  private checkPressure(outputs: OutputRunner[]): void {
    if (this.pausedByPressure || this.stopped) return;
    if (!mustPause(this.buffered, outputs.map((output) => output.queued))) return;
    this.pausedByPressure = true;
    this.metricsValue.pauses++;
    clearTimeout(this.collectTimer);
    this.collectTimer = undefined;
    this.plugin.pause?.();
    this.context.logger.debug({ bufferedBytes: this.buffered.bytes }, 'paused: buffer limit reached');
    this.emit('pause');
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.collectTimer);
    this.emit('end');
  }

  private scheduleCollect(delay: number): void {
    if (this.stopped || this.ended || this.pausedByPressure) return;
    this.collectTimer = setTimeout(() => void this.collectOnce(), delay);
  }

  private async collectOnce(): Promise<void> {
    this.collectTimer = undefined;
    if (this.collecting) return;
    this.collecting = true;
    const started = Date.now();
    try {
      const events = await this.plugin.collect!(this.context);
      if (events && !this.stopped) this.acceptEvents(events, this.tag);
    } catch (error) {
      this.context.logger.error({ err: error }, `collect failed: ${(error as Error)?.message ?? String(error)}`);
    } finally {
      this.collecting = false;
    }
    const interval = this.plugin.interval ?? this.options.interval;
    this.scheduleCollect(Math.max(0, interval - (Date.now() - started)));
  }
}
