/**
 * How chunks from one input instance reach their consumers, and when their
 * bytes count as consumed (which is what lets the native thread resume a
 * plugin it paused for backpressure).
 *
 * A chunk goes to every 'chunk'/'event' listener at once, and is queued for
 * every open iterator. Its bytes are released when the last iterator has
 * taken it (at once when there are only listeners). With no consumer at all,
 * chunks are held, not dropped: the held bytes stay outstanding, so the
 * plugin is paused once they reach the instance's buffer limit, and the first
 * consumer to arrive gets the backlog.
 */

/** A chunk as it came from the native input thread. */
export interface ArrivedChunk {
  readonly data: Buffer;
  readonly events: number;
  /** 'mixed' when both event shapes occur (rare: one plugin writing both). */
  readonly format: import('../events/chunk.js').EventFormat | 'mixed';
}

export interface HeldChunk {
  readonly arrived: ArrivedChunk;
  /** Iterators that have not taken it yet. */
  holders: number;
}

/** A FIFO of chunks for one async iterator. */
export class ChunkQueue {
  private readonly items: HeldChunk[] = [];
  private waiter?: (chunk: HeldChunk | undefined) => void;
  private ended = false;

  push(chunk: HeldChunk): void {
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(chunk);
    } else {
      this.items.push(chunk);
    }
  }

  /** The next chunk, or undefined once ended and empty. */
  next(): Promise<HeldChunk | undefined> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  end(): void {
    this.ended = true;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(undefined);
    }
  }

  /** Removes and returns what was never taken. */
  drain(): HeldChunk[] {
    return this.items.splice(0);
  }
}

export class InputDelivery {
  private readonly iterators = new Set<ChunkQueue>();
  private backlog: ArrivedChunk[] = [];
  private ended = false;

  constructor(
    private readonly hasListeners: () => boolean,
    private readonly emitToListeners: (chunk: ArrivedChunk) => void,
    private readonly release: (bytes: number) => void,
  ) {}

  get heldChunks(): number {
    return this.backlog.length;
  }

  /** A chunk arrived from the native thread. */
  accept(chunk: ArrivedChunk): void {
    if (!this.hasListeners() && this.iterators.size === 0) {
      this.backlog.push(chunk);
      return;
    }
    this.deliver(chunk);
  }

  /** A consumer appeared: hand it what was held. */
  consumerAttached(): void {
    const held = this.backlog;
    this.backlog = [];
    for (const chunk of held) this.deliver(chunk);
  }

  openIterator(): ChunkQueue {
    const queue = new ChunkQueue();
    this.iterators.add(queue);
    if (this.ended) queue.end();
    this.consumerAttached();
    return queue;
  }

  /** The iterator took `chunk`. */
  taken(chunk: HeldChunk): void {
    if (--chunk.holders === 0) this.release(chunk.arrived.data.length);
  }

  /** The iterator stopped early (break, return): release what it never took. */
  closeIterator(queue: ChunkQueue): void {
    if (!this.iterators.delete(queue)) return;
    for (const chunk of queue.drain()) this.taken(chunk);
    queue.end();
  }

  /** The instance closed: iterators finish once they have taken what is queued. */
  end(): void {
    this.ended = true;
    for (const queue of this.iterators) queue.end();
  }

  private deliver(arrived: ArrivedChunk): void {
    if (this.hasListeners()) this.emitToListeners(arrived);
    if (this.iterators.size === 0) {
      this.release(arrived.data.length);
      return;
    }
    const held: HeldChunk = { arrived, holders: this.iterators.size };
    for (const queue of this.iterators) queue.push(held);
  }
}
