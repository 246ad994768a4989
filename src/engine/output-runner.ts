/**
 * One output in a pipeline: flushes the sealed chunks routed to it (the
 * chunk store holds them), one Delivery each, through its queue
 * (output-queue.ts: `workers` at a time, or ahead for plugins that queue
 * flushes), retries through its scheduler (retry-scheduler.ts), and settles
 * every chunk with the store exactly once: delivered, dropped, or abandoned
 * at the end of the grace period. The bytes routed to it count against its
 * queue limit (byte-accounting.ts) from the append until that settle.
 */
import { trustedChunk, validateChunk, type Chunk, type EventFormat } from '../events/chunk.js';
import { decodeChunk, type DecodedEvent } from '../events/decoder.js';
import { FlushCancelledError } from '../errors.js';
import type { FlushResult } from '../proxy/output.js';
import { ByteCount, type BufferOwner } from './byte-accounting.js';
import type { OutputMetrics } from './counters.js';
import { OutputQueue } from './output-queue.js';
import type { OutputChunk, OutputContext, OutputPlugin } from './plugin-api.js';
import { RetryScheduler } from './retry-scheduler.js';
import type { ChunkPiece, ChunkStore, Named, SettleOutcome, StoredChunk } from './store/chunk-store.js';

/** The input a chunk's bytes count against, released when an output settles it. */
export type ChunkSource = Named & BufferOwner;

type Stored = StoredChunk<ChunkSource, OutputRunner>;

/** This output's side of one chunk it owes: its retries, and the chunk assembled in its format once needed. */
interface Delivery {
  readonly stored: Stored;
  readonly bytes: number;
  /** Retries scheduled so far (0 before the first retry). */
  retries: number;
  /** Assembled on first use (TS outputs, format conversion), kept across retries. */
  assembled?: Chunk;
}

export interface OutputRunnerOptions {
  name: string;
  plugin: OutputPlugin;
  context: OutputContext;
  format: EventFormat;
  workers: number;
  /** -1 no limit, 0 no retries, N retries after the first attempt. */
  retryLimit: number;
  /** Bytes at which the inputs feeding this output are paused. */
  queueLimit: number;
  /** storage.total_limit_size when set: makeRoom() drops the oldest waiting chunks to stay under it. */
  totalLimitSize?: number;
  schedulerBase: number;
  schedulerCap: number;
  /** Where the chunks live; settled here when this output is done with one. */
  store: ChunkStore<ChunkSource, OutputRunner>;
  /** Told when bytes leave the output, so paused inputs can be resumed. */
  onRelease(): void;
}

export class OutputRunner {
  readonly name: string;
  /** queuedBytes: routed here and not settled yet (open, queued, waiting, in flight). */
  readonly queued: ByteCount;
  private readonly queue: OutputQueue<Delivery>;
  private readonly retries: RetryScheduler<Delivery>;
  /** Chunks routed here and not settled yet (queuedChunks), counted from when they open. */
  private owed = 0;
  /** After close(): late results are counted, never retried. */
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = {
    records: 0,
    bytes: 0,
    chunks: 0,
    errors: 0,
    retries: 0,
    retriedRecords: 0,
    retriesFailed: 0,
    droppedRecords: 0,
    latencyCount: 0,
    latencyTotal: 0,
    latencyMax: 0,
  };

  constructor(private readonly options: OutputRunnerOptions) {
    this.name = options.name;
    this.queued = new ByteCount(options.queueLimit);
    this.queue = new OutputQueue({ workers: options.workers, aheadBytes: options.plugin.queuesFlushes === true ? options.queueLimit / 2 : undefined });
    this.retries = new RetryScheduler({
      base: options.schedulerBase,
      cap: options.schedulerCap,
      limit: options.retryLimit,
      due: (delivery) => {
        this.queue.push(delivery);
        this.pump();
      },
    });
  }

  /** Whether chunks of filesystem inputs make room here by dropping the oldest (storage.total_limit_size set). */
  get evictsOldest(): boolean {
    return this.options.totalLimitSize !== undefined;
  }

  get idle(): boolean {
    return this.queued.bytes === 0 && this.queue.inFlight === 0;
  }

  /** Bytes appended to a chunk routed here: held against the queue limit until settled. */
  hold(bytes: number): void {
    this.queued.add(bytes);
  }

  /**
   * storage.total_limit_size for chunks of filesystem inputs, as Fluent Bit
   * applies it: before `bytes` more are routed here, the oldest chunks
   * waiting (queued, then waiting for a retry; never one in flight) are
   * dropped for this output until they fit. Each is counted and logged.
   */
  makeRoom(bytes: number): void {
    const limit = this.options.totalLimitSize;
    if (limit === undefined) return;
    while (this.queued.bytes + bytes > limit) {
      const oldest = this.queue.takeOldestWaiting() ?? this.retries.takeOldest();
      if (!oldest) return;
      this.counters.droppedRecords += oldest.stored.records;
      this.options.context.logger.warn(
        { tag: oldest.stored.tag, records: oldest.stored.records, bytes: oldest.bytes, limit },
        `storage.total_limit_size ${limit} reached: the oldest waiting chunk (${oldest.stored.records} record(s)) is dropped for this output to make room`,
      );
      this.settle(oldest, 'dropped');
    }
  }

  /** A chunk routed here opened: this output owes it an answer. */
  owe(): void {
    this.owed++;
  }

  /** A sealed chunk routed here: queued for a flush. */
  enqueue(stored: Stored): void {
    this.queue.push({ stored, bytes: stored.bytes, retries: 0 });
    this.pump();
  }

  /** Shutdown: no more waiting for backoff; retries happen now (within the limit). */
  beginShutdown(): void {
    for (const delivery of this.retries.hurry()) this.queue.push(delivery);
    this.pump();
  }

  /** Resolves once nothing is open, queued, waiting or in flight. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * End of the grace period: nothing is dispatched or retried any more, and
   * chunks queued ahead inside the plugin's adapter and not yet started come
   * back as cancelled (counted as dropped in dispatch()).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.plugin.cancelQueued?.();
  }

  /**
   * After close(): what is left (queued, waiting for a retry, or in flight
   * and not yet confirmed) is reported and dropped, counted. A flush still
   * in flight may yet return ok (then it counts as delivered), but nothing
   * is retried any more.
   */
  abandon(): { chunks: number; records: number; bytes: number } {
    this.close();
    const left = { chunks: 0, records: 0, bytes: 0 };
    const count = (delivery: Delivery) => {
      left.chunks++;
      left.records += delivery.stored.records;
      left.bytes += delivery.bytes;
    };
    for (const flying of this.queue.inFlightItems()) count(flying);
    for (const delivery of [...this.queue.takeAllWaiting(), ...this.retries.cancelAll()]) {
      count(delivery);
      this.counters.droppedRecords += delivery.stored.records;
      this.settle(delivery, 'abandoned');
    }
    this.checkIdle();
    return left;
  }

  metrics(): OutputMetrics {
    const c = this.counters;
    const supervised = this.options.plugin.supervision?.();
    return {
      crashes: supervised?.crashes ?? 0,
      flushTimeouts: supervised?.flushTimeouts ?? 0,
      restarts: supervised?.restarts ?? 0,
      records: c.records,
      bytes: c.bytes,
      chunks: c.chunks,
      errors: c.errors,
      retries: c.retries,
      retriedRecords: c.retriedRecords,
      retriesFailed: c.retriesFailed,
      droppedRecords: c.droppedRecords,
      queuedBytes: this.queued.bytes,
      queuedChunks: this.owed,
      inFlight: this.queue.inFlight,
      flushLatencyMs: { count: c.latencyCount, avg: c.latencyCount ? c.latencyTotal / c.latencyCount : 0, max: c.latencyMax },
    };
  }

  private pump(): void {
    if (!this.closed) {
      for (let next = this.queue.take(); next !== undefined; next = this.queue.take()) void this.dispatch(next);
    }
    this.checkIdle();
  }

  private async dispatch(delivery: Delivery): Promise<void> {
    const { plugin, context, store } = this.options;
    const { stored } = delivery;
    const tag = stored.tag;
    // A durable store may hold the chunk on disk only; the memory store's are always up.
    if (!stored.up) {
      try {
        await store.bringUp(stored);
      } catch (error) {
        // Its file went missing or bad since it was stored: nothing left to flush.
        this.queue.landed(delivery);
        this.counters.errors++;
        this.counters.droppedRecords += stored.records;
        context.logger.error({ tag, chunk: stored.id, err: error }, `cannot read chunk ${stored.id} back from storage: ${(error as Error).message}; its ${stored.records} record(s) are dropped for this output`);
        this.settle(delivery, 'dropped');
        this.pump();
        return;
      }
    }
    const pieces = store.pieces(stored);
    const format = this.options.format;
    const sameFormat = () => pieces.every((piece) => piece.format === format);
    const whole = () => (delivery.assembled ??= assemble(pieces, stored, format));
    let decoded: DecodedEvent[] | undefined;
    const outputChunk: OutputChunk = {
      tag,
      get chunk() {
        return whole();
      },
      records: stored.records,
      events: () => (decoded ??= decodeChunk(whole().data, tag).events),
      pieces: () => (sameFormat() ? pieces.map((piece) => piece.data) : undefined),
    };
    const started = performance.now();
    let result: FlushResult | 'cancelled';
    try {
      result = await plugin.flush(outputChunk, context);
    } catch (error) {
      if (error instanceof FlushCancelledError && this.closed) {
        result = 'cancelled'; // cancelled at the Grace deadline: abandon() has reported it already
      } else {
        context.logger.error({ tag, err: error }, `flush failed: ${(error as Error)?.message ?? String(error)}; the chunk is dropped for this output`);
        result = 'error';
      }
    }
    this.queue.landed(delivery);
    const c = this.counters;
    if (result === 'cancelled') {
      // It never reached the plugin: dropped, and its wait is not a latency.
      c.droppedRecords += stored.records;
      this.settle(delivery, 'abandoned');
    } else {
      const latency = performance.now() - started;
      c.latencyCount++;
      c.latencyTotal += latency;
      c.latencyMax = Math.max(c.latencyMax, latency);
      // One line per flush at debug (-v), as Fluent Bit logs each task.
      if (context.logger.level === 'debug' || context.logger.level === 'trace') {
        context.logger.debug({ tag, records: stored.records, bytes: delivery.bytes, result, ms: Math.round(latency * 1000) / 1000 }, `flush: ${stored.records} record(s) → ${result}`);
      }
      this.settleResult(delivery, result);
    }
    this.pump();
  }

  private settleResult(delivery: Delivery, result: FlushResult): void {
    const c = this.counters;
    const { logger } = this.options.context;
    const { tag, records } = delivery.stored;
    if (result === 'ok') {
      c.records += records;
      c.bytes += delivery.bytes;
      c.chunks++;
      this.settle(delivery, 'delivered');
      return;
    }
    if (result === 'retry' && !this.closed && this.retries.allows(delivery.retries)) {
      delivery.retries++;
      c.retries++;
      c.retriedRecords += records;
      const seconds = this.retries.schedule(delivery, delivery.retries);
      logger.debug({ tag, retry: delivery.retries, inSeconds: seconds }, 'flush returned retry');
      return;
    }
    let outcome: SettleOutcome = 'dropped';
    if (result === 'retry' && this.closed) {
      outcome = 'abandoned';
      logger.warn({ tag, records }, `flush returned retry after the grace period: ${records} record(s) dropped for this output`);
    } else if (result === 'retry') {
      c.retriesFailed++;
      logger.warn({ tag, records, retries: delivery.retries }, `chunk cannot be retried (Retry_Limit ${this.options.retryLimit} reached): ${records} record(s) dropped for this output`);
    } else {
      c.errors++;
      logger.warn({ tag, records }, `flush returned error: ${records} record(s) dropped for this output`);
    }
    c.droppedRecords += records;
    this.settle(delivery, outcome);
  }

  /** This output is done with the chunk: its bytes leave both counts, and the store hears it. */
  private settle(delivery: Delivery, outcome: SettleOutcome): void {
    const { stored } = delivery;
    this.queued.release(delivery.bytes);
    this.owed--;
    stored.input.release(delivery.bytes);
    this.options.store.settle(stored, this, outcome);
    this.options.onRelease();
  }

  private checkIdle(): void {
    if (!this.idle || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** The chunk in the output's format, copying the pieces once. */
function assemble(pieces: readonly ChunkPiece[], stored: Stored, format: EventFormat): Chunk {
  const data = pieces.length === 1 ? pieces[0]!.data : concat(pieces, stored.bytes);
  if (pieces.every((piece) => piece.format === format)) return trustedChunk(data, format, stored.records);
  return validateChunk(data, format); // re-encodes the events in the other format
}

function concat(pieces: readonly ChunkPiece[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece.data, at);
    at += piece.data.length;
  }
  return out;
}
