/**
 * Byte accounting, what keeps a pipeline's memory bounded: every byte routed
 * to an output counts against the input it came from (`bufferedBytes`, once
 * per output, against its Mem_Buf_Limit) and against the output
 * (`queuedBytes`: open, queued, waiting for a retry or in flight, against
 * its queue limit) until that output settles the chunk.
 *
 * An input is paused when its own count or that of an output it feeds
 * reaches the limit, and resumed only when all of them are back under half:
 * resuming as soon as one chunk is freed would bounce the plugin between
 * pause and resume at every flush.
 */

/** Bytes held against a limit. No limit is Infinity (then nothing ever pauses). */
export class ByteCount {
  private held = 0;

  constructor(readonly limit: number) {}

  /** An input's Mem_Buf_Limit, where 0 (unset) means no limit. */
  static memBufLimit(bytes: number): ByteCount {
    return new ByteCount(bytes > 0 ? bytes : Number.POSITIVE_INFINITY);
  }

  get bytes(): number {
    return this.held;
  }

  add(bytes: number): void {
    this.held += bytes;
  }

  release(bytes: number): void {
    this.held -= bytes;
  }

  /** At or over the limit: whoever feeds it pauses. */
  get full(): boolean {
    return this.held >= this.limit;
  }

  /** At or under half the limit: it no longer holds a paused input back. */
  get underResumeMark(): boolean {
    return this.held <= this.limit / 2;
  }
}

/**
 * Whoever put bytes into a chunk: held once per output the bytes were routed
 * to (when routed), released by each output when it settles the chunk.
 */
export interface BufferOwner {
  hold(bytes: number): void;
  release(bytes: number): void;
}

/** After an append: pause when the input's own count, or one of the outputs it just fed, is full. */
export function mustPause(own: ByteCount, fed: Iterable<ByteCount>): boolean {
  if (own.full) return true;
  for (const count of fed) if (count.full) return true;
  return false;
}

/** A paused input resumes once its own count and every output it feeds are under half their limits. */
export function mayResume(own: ByteCount, feeds: Iterable<ByteCount>): boolean {
  if (!own.underResumeMark) return false;
  for (const count of feeds) if (!count.underResumeMark) return false;
  return true;
}
