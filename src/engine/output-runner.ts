/**
 * One output in a pipeline: the chunks it is building (one open chunk per
 * tag), the chunks waiting for it, the flushes in flight and the retries
 * scheduled, all counted in bytes against its queue limit. In flight means
 * handed to the plugin: at most `workers` chunks, or, for a plugin that
 * queues flushes itself (.so outputs), as many as fit in half the queue
 * limit (see OutputPlugin.queuesFlushes).
 */
import { trustedChunk, validateChunk, type Chunk, type EventFormat } from '../events/chunk.js';
import { decodeChunk, type DecodedEvent } from '../events/decoder.js';
import { FlushCancelledError } from '../errors.js';
import type { FlushResult } from '../plugin/output.js';
import { canRetry, retryDelaySeconds } from './backoff.js';
import type { OutputMetrics } from './counters.js';
import type { OutputChunk, OutputContext, OutputPlugin } from './plugin-api.js';

/** Who put how many bytes into a chunk, so they can be released when it is done. */
export interface Contributor {
  release(bytes: number): void;
}

interface Piece {
  data: Uint8Array;
  format: EventFormat;
}

interface OpenChunk {
  tag: string;
  pieces: Piece[];
  bytes: number;
  events: number;
  contributions: Map<Contributor, number>;
}

interface QueuedChunk {
  tag: string;
  pieces: Piece[];
  /** Assembled on first use (TS outputs, format conversion). */
  chunk?: Chunk;
  bytes: number;
  events: number;
  contributions: Map<Contributor, number>;
  /** Retries scheduled so far (0 before the first retry). */
  retries: number;
  retryTimer?: NodeJS.Timeout;
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
  /** A chunk is sealed once it holds this many bytes (Fluent Bit: ~2 MB). */
  chunkSize: number;
  schedulerBase: number;
  schedulerCap: number;
  /** Told when bytes leave the output, so paused inputs can be resumed. */
  onRelease(): void;
}

export class OutputRunner {
  readonly name: string;
  private readonly open = new Map<string, OpenChunk>();
  private readonly ready: QueuedChunk[] = [];
  private readonly waiting = new Set<QueuedChunk>();
  private readonly flying = new Set<QueuedChunk>();
  private inFlight = 0;
  private inFlightBytes = 0;
  /** After abandon(): late results are counted, never retried. */
  private closed = false;
  private queuedBytes = 0;
  private shuttingDown = false;
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
  }

  get overLimit(): boolean {
    return this.queuedBytes >= this.options.queueLimit;
  }

  get belowResumeMark(): boolean {
    return this.queuedBytes <= this.options.queueLimit / 2;
  }

  get idle(): boolean {
    return this.queuedBytes === 0 && this.inFlight === 0;
  }

  /** Adds events (already encoded, trusted) to the open chunk for `tag`. */
  append(tag: string, chunk: Chunk, from: Contributor): void {
    const bytes = chunk.data.length;
    let open = this.open.get(tag);
    // Chunks stay within the chunk size; only a single larger append exceeds it.
    if (open && open.bytes + bytes > this.options.chunkSize) {
      this.seal(tag);
      open = undefined;
    }
    if (!open) {
      open = { tag, pieces: [], bytes: 0, events: 0, contributions: new Map() };
      this.open.set(tag, open);
    }
    open.pieces.push({ data: chunk.data, format: chunk.format });
    open.bytes += bytes;
    open.events += chunk.events;
    open.contributions.set(from, (open.contributions.get(from) ?? 0) + bytes);
    this.queuedBytes += bytes;
    if (open.bytes >= this.options.chunkSize) this.seal(tag);
  }

  /** Flush tick (and shutdown): every open chunk becomes a queued chunk. */
  sealAll(): void {
    for (const tag of [...this.open.keys()]) this.seal(tag);
  }

  /** Shutdown: no more waiting for backoff; retries happen now (within the limit). */
  beginShutdown(): void {
    this.shuttingDown = true;
    this.sealAll();
    for (const queued of [...this.waiting]) {
      clearTimeout(queued.retryTimer);
      this.waiting.delete(queued);
      this.ready.push(queued);
    }
    this.pump();
  }

  /** Resolves once nothing is open, queued, waiting or in flight. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * End of the grace period: what is left (open, queued, waiting for a retry,
   * or in flight and not yet confirmed) is reported and dropped, counted. A
   * flush still in flight may yet return ok (then it counts as delivered),
   * but nothing is retried any more.
   */
  abandon(): { chunks: number; records: number; bytes: number } {
    this.closed = true;
    // Chunks queued ahead inside the plugin's adapter and not yet started
    // come back as cancelled (counted as dropped in dispatch()).
    this.options.plugin.cancelQueued?.();
    const left = { chunks: 0, records: 0, bytes: 0 };
    for (const flying of this.flying) {
      left.chunks++;
      left.records += flying.events;
      left.bytes += flying.bytes;
    }
    const drop = (q: { events: number; bytes: number; contributions: Map<Contributor, number> }) => {
      left.chunks++;
      left.records += q.events;
      left.bytes += q.bytes;
      this.counters.droppedRecords += q.events;
      this.settle(q);
    };
    for (const open of this.open.values()) drop(open);
    this.open.clear();
    for (const queued of this.ready.splice(0)) drop(queued);
    for (const queued of this.waiting) {
      clearTimeout(queued.retryTimer);
      drop(queued);
    }
    this.waiting.clear();
    this.checkIdle();
    return left;
  }

  metrics(): OutputMetrics {
    const c = this.counters;
    return {
      records: c.records,
      bytes: c.bytes,
      chunks: c.chunks,
      errors: c.errors,
      retries: c.retries,
      retriedRecords: c.retriedRecords,
      retriesFailed: c.retriesFailed,
      droppedRecords: c.droppedRecords,
      queuedBytes: this.queuedBytes,
      queuedChunks: this.open.size + this.ready.length + this.waiting.size + this.inFlight,
      inFlight: this.inFlight,
      flushLatencyMs: { count: c.latencyCount, avg: c.latencyCount ? c.latencyTotal / c.latencyCount : 0, max: c.latencyMax },
    };
  }

  private seal(tag: string): void {
    const open = this.open.get(tag);
    if (!open) return;
    this.open.delete(tag);
    this.ready.push({
      tag,
      pieces: open.pieces,
      bytes: open.bytes,
      events: open.events,
      contributions: open.contributions,
      retries: 0,
    });
    this.pump();
  }

  /** One chunk in this output's format, copying the pieces once. */
  private assemble(queued: QueuedChunk): Chunk {
    const format = this.options.format;
    const data = queued.pieces.length === 1 ? queued.pieces[0]!.data : concat(queued.pieces, queued.bytes);
    if (queued.pieces.every((piece) => piece.format === format)) return trustedChunk(data, format, queued.events);
    return validateChunk(data, format); // re-encodes the events in the other format
  }

  private pump(): void {
    while (!this.closed && this.ready.length > 0 && this.mayDispatch(this.ready[0]!)) {
      void this.dispatch(this.ready.shift()!);
    }
    this.checkIdle();
  }

  /** `workers` chunks may always be in flight; a plugin that queues flushes takes more, up to half the queue limit. */
  private mayDispatch(next: QueuedChunk): boolean {
    if (this.inFlight < this.options.workers) return true;
    return this.options.plugin.queuesFlushes === true && this.inFlightBytes + next.bytes <= this.options.queueLimit / 2;
  }

  private async dispatch(queued: QueuedChunk): Promise<void> {
    this.inFlight++;
    this.inFlightBytes += queued.bytes;
    this.flying.add(queued);
    const { plugin, context } = this.options;
    let decoded: DecodedEvent[] | undefined;
    const format = this.options.format;
    const whole = () => (queued.chunk ??= this.assemble(queued));
    const outputChunk: OutputChunk = {
      tag: queued.tag,
      get chunk() {
        return whole();
      },
      records: queued.events,
      events: () => (decoded ??= decodeChunk(whole().data, queued.tag).events),
      pieces: () => (queued.pieces.every((piece) => piece.format === format) ? queued.pieces.map((piece) => piece.data) : undefined),
    };
    const started = performance.now();
    let result: FlushResult | 'cancelled';
    try {
      result = await plugin.flush(outputChunk, context);
    } catch (error) {
      if (error instanceof FlushCancelledError) {
        result = 'cancelled'; // abandon() has reported it already
      } else {
        context.logger.error({ tag: queued.tag, err: error }, `flush failed: ${(error as Error)?.message ?? String(error)}; the chunk is dropped for this output`);
        result = 'error';
      }
    }
    this.inFlight--;
    this.inFlightBytes -= queued.bytes;
    this.flying.delete(queued);
    const c = this.counters;
    if (result === 'cancelled') {
      // It never reached the plugin: dropped, and its wait is not a latency.
      c.droppedRecords += queued.events;
      this.settle(queued);
    } else {
      const latency = performance.now() - started;
      c.latencyCount++;
      c.latencyTotal += latency;
      c.latencyMax = Math.max(c.latencyMax, latency);
      this.settleResult(queued, result);
    }
    this.pump();
  }

  private settleResult(queued: QueuedChunk, result: FlushResult): void {
    const c = this.counters;
    const { logger } = this.options.context;
    if (result === 'ok') {
      c.records += queued.events;
      c.bytes += queued.bytes;
      c.chunks++;
      this.settle(queued);
      return;
    }
    if (result === 'retry' && !this.closed && canRetry(this.options.retryLimit, queued.retries)) {
      queued.retries++;
      c.retries++;
      c.retriedRecords += queued.events;
      this.scheduleRetry(queued);
      return;
    }
    if (result === 'retry' && this.closed) {
      logger.warn({ tag: queued.tag, records: queued.events }, `flush returned retry after the grace period: ${queued.events} record(s) dropped for this output`);
    } else if (result === 'retry') {
      c.retriesFailed++;
      logger.warn({ tag: queued.tag, records: queued.events, retries: queued.retries }, `chunk cannot be retried (Retry_Limit ${this.options.retryLimit} reached): ${queued.events} record(s) dropped for this output`);
    } else {
      c.errors++;
      logger.warn({ tag: queued.tag, records: queued.events }, `flush returned error: ${queued.events} record(s) dropped for this output`);
    }
    c.droppedRecords += queued.events;
    this.settle(queued);
  }

  private scheduleRetry(queued: QueuedChunk): void {
    const seconds = this.shuttingDown ? 0 : retryDelaySeconds(this.options.schedulerBase, this.options.schedulerCap, queued.retries);
    this.options.context.logger.debug({ tag: queued.tag, retry: queued.retries, inSeconds: seconds }, 'flush returned retry');
    this.waiting.add(queued);
    queued.retryTimer = setTimeout(() => {
      if (!this.waiting.delete(queued)) return;
      this.ready.push(queued);
      this.pump();
    }, seconds * 1000);
  }

  private settle(done: { bytes: number; contributions: Map<Contributor, number> }): void {
    this.queuedBytes -= done.bytes;
    for (const [contributor, bytes] of done.contributions) contributor.release(bytes);
    this.options.onRelease();
  }

  private checkIdle(): void {
    if (!this.idle || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function concat(pieces: Piece[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece.data, at);
    at += piece.data.length;
  }
  return out;
}
