/**
 * An output's queue: sealed chunks waiting for a flush, in order, and the
 * flushes in flight. At most `workers` chunks are in flight, except for a
 * plugin that queues flushes itself (.so outputs, OutputPlugin.queuesFlushes):
 * it is handed every chunk as soon as it is sealed, up to `aheadBytes` in
 * flight. Why: a flush's result reaches the engine only when the JS thread
 * is free, so with `workers` in flight such a plugin sits idle while the
 * application pushes records in a loop.
 */

export interface OutputQueueOptions {
  /** Flushes the plugin runs at once. */
  workers: number;
  /** Plugins that queue flushes: bytes that may be in flight beyond `workers` chunks (half the queue limit); undefined otherwise. */
  aheadBytes?: number;
}

export class OutputQueue<T extends { readonly bytes: number }> {
  private readonly ready: T[] = [];
  private readonly flying = new Set<T>();
  private flyingBytes = 0;

  constructor(private readonly options: OutputQueueOptions) {}

  /** Chunks waiting for a flush. */
  get waiting(): number {
    return this.ready.length;
  }

  /** Chunks handed to the plugin and not answered yet. */
  get inFlight(): number {
    return this.flying.size;
  }

  /** The chunks in flight (what the grace deadline reports as undelivered). */
  inFlightItems(): Iterable<T> {
    return this.flying;
  }

  push(item: T): void {
    this.ready.push(item);
  }

  /** The next chunk to flush, now counted in flight; undefined when none may go yet. */
  take(): T | undefined {
    const next = this.ready[0];
    if (next === undefined || !this.mayDispatch(next)) return undefined;
    this.ready.shift();
    this.flying.add(next);
    this.flyingBytes += next.bytes;
    return next;
  }

  /** A flush answered (or was cancelled): it is no longer in flight. */
  landed(item: T): void {
    if (this.flying.delete(item)) this.flyingBytes -= item.bytes;
  }

  /** Takes the oldest chunk waiting (not in flight), to drop it; undefined when none waits. */
  takeOldestWaiting(): T | undefined {
    return this.ready.shift();
  }

  /** Empties the waiting chunks (end of the grace period); returns them. */
  takeAllWaiting(): T[] {
    return this.ready.splice(0);
  }

  private mayDispatch(next: T): boolean {
    if (this.flying.size < this.options.workers) return true;
    const ahead = this.options.aheadBytes;
    return ahead !== undefined && this.flyingBytes + next.bytes <= ahead;
  }
}
