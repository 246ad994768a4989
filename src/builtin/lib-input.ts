/**
 * The `lib` input: records pushed by the host application, like Fluent Bit's
 * lib input. Pushes are batched per event-loop turn and encoded once.
 *
 * Backpressure works like a Node stream: push() returns false once the
 * pipeline is holding as much of this input's data as it may, and the input
 * emits 'drain' when it can take more; write() does the waiting for you.
 * Nothing is dropped unless the input was created with `overflow: 'drop'`.
 *
 * A handle outlives the pipeline generation that made it: across a hot
 * reload (Pipeline.reload) the old generation detaches it and the new one's
 * `lib` input of the same name attaches it again, so an application keeps
 * the handle it has. Between the two, records are kept here and push()
 * returns false, so write() waits for the new generation.
 */
import { EventEmitter, once } from 'node:events';
import { ConfigError } from '../errors.js';
import type { TimeInput } from '../events/event-time.js';
import type { Chunk } from '../events/chunk.js';
import { ChunkWriter } from '../events/encoder.js';
import type { InputContext, InputPlugin, InputPluginFactory } from '../engine/plugin-api.js';

export interface PushOptions {
  time?: TimeInput;
  /** Defaults to the input's Tag. */
  tag?: string;
  /** Fluent Bit v2 event metadata (an object or a Map); the chunk becomes v2 when it has entries. */
  metadata?: Record<string, unknown> | Map<string, unknown>;
}

export type OverflowPolicy = 'buffer' | 'drop';

/**
 * Records are encoded as they are pushed; what is pending is handed to the
 * pipeline at the end of the turn, or as soon as it reaches this size, so
 * that backpressure is decided while the caller is still pushing.
 */
const HANDOVER_BYTES = 64 * 1024;

/** The handle an application pushes records through: Pipeline.input(name). */
export class LibInput extends EventEmitter {
  name = 'lib';
  private overflow: OverflowPolicy = 'buffer';
  private ctx?: InputContext;
  /** Writers of pending events, by format, then by tag. */
  private readonly pending = { v1: new Map<string, ChunkWriter>(), v2: new Map<string, ChunkWriter>() };
  /** The writer the last push used, and its tag: most pushes reuse both, without a Map lookup. */
  private lastTag = '';
  private lastWriter: ChunkWriter | null = null;
  /**
   * Ready chunks (pushChunk), in order, with what push() wrote before each
   * already closed into this list: handOver() hands the list first, then
   * the open writers, so the input keeps the order records came in.
   */
  private readonly readyChunks: Array<{ chunk: Chunk; tag: string }> = [];
  private pendingBytes = 0;
  private scheduled = false;
  private paused = false;
  /** Between two generations of a reload: records wait here, whatever the overflow policy. */
  private switching = false;
  /** Why push() refuses records (set by close()). */
  private closedBecause?: string;
  /** What write() waits on for its record to reach the engine (filesystem storage only). */
  private handedOver?: Promise<void>;
  private wakeHandedOver?: () => void;
  private failHandedOver?: (error: Error) => void;

  /**
   * Queues one record. Returns false when the caller should wait for 'drain'
   * (the record is still taken, unless the overflow policy is 'drop').
   */
  push(record: Record<string, unknown>, options?: PushOptions): boolean {
    if (this.refuses(1, 'the record was not taken')) return false;
    // No default `{}` for options: this runs once per record.
    const tag = options?.tag ?? this.ctx?.tag ?? this.name;
    const metadata = options?.metadata;
    const format = metadata !== undefined && metadata !== null && hasEntries(metadata) ? 'v2' : 'v1';
    let writer = this.lastWriter;
    if (writer === null || tag !== this.lastTag || format !== writer.format) {
      writer = this.writerFor(format, tag);
      this.lastTag = tag;
      this.lastWriter = writer;
    }
    const before = writer.byteLength;
    writer.appendRecord(record, options?.time, metadata);
    this.pendingBytes += writer.byteLength - before;
    this.scheduleHandOver();
    return this.accepting;
  }

  /** Whether the caller may go on pushing without waiting for 'drain'. */
  private get accepting(): boolean {
    return !this.paused && !this.switching;
  }

  /**
   * The gate of push() and pushChunk(): throws once closed (`notTaken` ends
   * the message); true when the input is full and its overflow policy is
   * 'drop' (the `events` are counted as dropped, with that reason).
   */
  private refuses(events: number, notTaken: string): boolean {
    if (this.closedBecause !== undefined) throw new Error(`${this.name}: ${this.closedBecause}; ${notTaken}`);
    if (!this.paused || this.switching || this.overflow !== 'drop') return false;
    this.ctx?.sink.dropped(events, `${this.name} is full and its overflow policy is 'drop'`);
    return true;
  }

  /**
   * @internal Queues a chunk of events that is ready as it is (the native
   * JSON parser made it: flbhost/pino), with push()'s backpressure, tag and
   * reload semantics: handed over at the end of the turn or once 64 KiB
   * are pending, kept while the input is between two generations, refused
   * once it is closed. Returns false when the caller should wait for 'drain'.
   */
  pushChunk(chunk: Chunk, tag?: string): boolean {
    if (this.refuses(chunk.events, 'the records were not taken')) return false;
    if (chunk.events === 0) return this.accepting;
    this.closeWriters();
    this.readyChunks.push({ chunk, tag: tag ?? this.ctx?.tag ?? this.name });
    this.pendingBytes += chunk.data.byteLength;
    this.scheduleHandOver();
    return this.accepting;
  }

  /** What push() wrote so far, closed into readyChunks (so a ready chunk queued next comes after it). */
  private closeWriters(): void {
    for (const writers of [this.pending.v1, this.pending.v2]) {
      for (const [tag, writer] of writers) {
        if (writer.events > 0) this.readyChunks.push({ chunk: writer.finish(), tag });
      }
    }
  }

  /** Hands over now once enough is pending (backpressure is decided while the caller pushes), else at the end of the turn. */
  private scheduleHandOver(): void {
    if (this.pendingBytes >= Math.min(HANDOVER_BYTES, this.ctx?.chunkSize ?? HANDOVER_BYTES)) this.handOver();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.handOver());
    }
  }

  /** The pending writer for this format and tag, made on first use. */
  private writerFor(format: 'v1' | 'v2', tag: string): ChunkWriter {
    const writers = this.pending[format];
    let writer = writers.get(tag);
    if (!writer) {
      writer = new ChunkWriter(format, 16 * 1024);
      writers.set(tag, writer);
    }
    return writer;
  }

  /**
   * push(), then wait until the pipeline can take more. With filesystem
   * storage (`storage.type filesystem`), also until the record is stored:
   * written under storage.path (and synced, with storage.sync full), so
   * that once this resolves the record survives a crash of the process.
   * Rejects when it could not be written (the record is still delivered
   * from memory). During a reload it waits for the new generation, and
   * rejects if that has no input of this name (the record is not taken).
   */
  async write(record: Record<string, unknown>, options?: PushOptions): Promise<void> {
    const more = this.push(record, options);
    if (this.switching || this.ctx?.storage === 'filesystem') {
      await this.nextHandOver();
      if (this.ctx?.storage === 'filesystem') await this.ctx.sink.stored();
    }
    if (!more && this.closedBecause === undefined && (this.paused || this.switching)) await once(this, 'drain');
  }

  /** Resolves after the next handOver(): the records pushed so far are with the engine then. */
  private nextHandOver(): Promise<void> {
    if (this.pendingBytes === 0) return Promise.resolve();
    this.handedOver ??= new Promise((resolve, reject) => {
      this.wakeHandedOver = resolve;
      this.failHandedOver = reject;
    });
    return this.handedOver;
  }

  /** Hands everything pushed so far to the pipeline now. */
  handOver(): void {
    this.scheduled = false;
    if (!this.ctx || this.pendingBytes === 0) return;
    this.closeWriters();
    // Taken out of the list first: sink.chunk() may pause the input, whose
    // pause() hands over again, re-entering here.
    for (const { chunk, tag } of this.readyChunks.splice(0)) this.ctx.sink.chunk(chunk, tag);
    this.pendingBytes = 0;
    const wake = this.wakeHandedOver;
    this.forgetHandOverWaiters();
    wake?.();
  }

  private forgetHandOverWaiters(): void {
    this.handedOver = undefined;
    this.wakeHandedOver = undefined;
    this.failHandedOver = undefined;
  }

  /** @internal */
  configure(ctx: InputContext): void {
    this.name = ctx.name;
    const overflow = ctx.properties.get('overflow') ?? 'buffer';
    if (overflow !== 'buffer' && overflow !== 'drop') {
      throw new ConfigError(`${ctx.name}: overflow: '${overflow}' is not a policy (buffer or drop)`);
    }
    this.overflow = overflow;
  }

  /** @internal the input starts (again, after a reload: what waited is handed over) */
  attach(ctx: InputContext): void {
    this.ctx = ctx;
    this.handOver();
    if (this.switching) {
      this.switching = false;
      this.paused = false;
      this.emit('drain');
    }
  }

  /**
   * @internal The generation that ran this input has stopped: what was
   * pushed so far went to it; what is pushed from now on waits for the next
   * generation's attach(), or is refused by close().
   */
  detach(): void {
    this.handOver();
    this.ctx = undefined;
    this.switching = true;
  }

  /** @internal the engine paused or resumed this input */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (!paused) this.emit('drain');
  }

  /**
   * @internal No generation will run this input again (the pipeline
   * stopped, or a reload left it out). Returns the events pushed after the
   * last generation detached, which no pipeline took: the caller reports
   * them. Their write() calls reject; later pushes throw.
   */
  close(reason = 'the pipeline is stopped'): number {
    this.handOver();
    // Without a generation attached, handOver() kept them: what no pipeline took.
    this.closeWriters();
    let lost = 0;
    for (const { chunk } of this.readyChunks.splice(0)) lost += chunk.events;
    this.lastWriter = null;
    this.pendingBytes = 0;
    this.closedBecause = reason;
    this.switching = false;
    this.failHandedOver?.(new Error(`${this.name}: ${reason}; the record was not taken`));
    this.forgetHandOverWaiters();
    this.emit('drain'); // release write() waiters; later pushes throw
    return lost;
  }
}

/** A Map has no own keys: Object.keys() alone would drop its metadata. */
function hasEntries(metadata: object): boolean {
  return metadata instanceof Map ? metadata.size > 0 : Object.keys(metadata).length > 0;
}

class LibInputPlugin implements InputPlugin {
  readonly name = 'lib';
  constructor(private readonly handle: LibInput) {}
  init(ctx: InputContext): void {
    this.handle.configure(ctx);
  }
  start(ctx: InputContext): void {
    this.handle.attach(ctx);
  }
  pause(): void {
    this.handle.handOver();
    this.handle.setPaused(true);
  }
  resume(): void {
    this.handle.setPaused(false);
  }
  exit(): void {
    // Not close(): the handle may go on in the next generation of a reload.
    // The Pipeline closes its handles when it stops for good.
    this.handle.detach();
  }
}

/**
 * The `lib` input factory. `handleFor` gives the handle of each instance by
 * its name: the one an earlier generation made, or a new one (the pipeline
 * hands them out by instance name). Property: overflow (buffer | drop).
 */
export function libInputFactory(handleFor: (instance: string) => LibInput): InputPluginFactory {
  return {
    kind: 'input',
    keys: ['overflow'],
    name: 'lib',
    description: 'Records pushed by the host application',
    create(settings) {
      return new LibInputPlugin(handleFor(settings.name ?? 'lib'));
    },
  };
}
