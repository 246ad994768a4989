/**
 * The transport's consumer: pino's text, in the pieces thread-stream writes
 * (one piece per turn of its worker loop: everything pino wrote since), is
 * cut at its last newline and handed whole to the native JSON parser
 * (native/json_lines.cc), whose chunks go into the lib input as they are
 * (LibInput.pushChunk). No JSON.parse and no JS MessagePack encoding per
 * record: the parser takes pino's `time` (epoch ms, or an ISO string) out of
 * each record as the event's time, exactly (timeKey), and keeps integers
 * past 2^53 exact. Lines that are not JSON objects are the parser's
 * problems: counted, and the first is logged (invalid-lines.ts).
 *
 * How backpressure reaches pino: the stream's write callback is held until
 * the lib input has taken the piece without asking to wait; when pushChunk
 * returns false (the pipeline holds Mem_Buf_Limit, or an output its queue
 * limit) the callback waits for the input's 'drain'. Meanwhile the
 * stream's write side fills, thread-stream's worker stops reading the
 * shared buffer, and pino's side of thread-stream buffers and, at the end,
 * blocks: the same as for any slow pino transport. Nothing is dropped.
 *
 * Once thread-stream has ended the stream (transport.end(), or process exit)
 * there is nothing left to hold back: what remains is at most what was in
 * thread-stream's buffer (4 MiB by default), and thread-stream now waits a
 * bounded time for the transport to close. So from then on pieces are pushed
 * without waiting for 'drain', and the pipeline's stop, with its Grace,
 * starts as early as it can.
 */
import type { Transform, TransformCallback } from 'node:stream';
import type { LibInput } from '../builtin/lib-input.js';
import { nativeJsonLinesToChunks } from '../builtin/json-chunks.js';
import type { HostLogger } from '../logging.js';
import type { InvalidLines } from './invalid-lines.js';

export interface FeedCounts {
  /** Records the lib input took. */
  taken: number;
  /** Records it refused (the pipeline had stopped). */
  refused: number;
}

/** pino's key for the time (epoch ms by default; an ISO string with isoTime). */
export const PINO_TIME_KEY = 'time';

/**
 * The size of the chunks the parser makes: the lib input's own hand-over
 * size, so Mem_Buf_Limit is decided at the same granularity as for push().
 */
const MAX_CHUNK_BYTES = 64 * 1024;

/** While waiting for 'drain', how often to look whether the stream was ended. */
const ENDED_POLL_MS = 50;

/** Resolves on the input's 'drain', or once the stream's write side has ended. */
export function drainOrEnd(input: LibInput, source: Transform): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearInterval(timer);
      input.off('drain', done);
      resolve();
    };
    input.on('drain', done);
    const timer = setInterval(() => {
      if (source.writableEnded || source.destroyed) done();
    }, ENDED_POLL_MS);
  });
}

/** pino's text → chunks → the lib input. Never throws for a record: see refused. */
export class PinoFeed {
  /** The start of a line whose newline has not come yet (a copy). */
  private tail: Buffer | undefined;
  /** Number of the next line, for the problems' samples. */
  private nextLine = 1;

  constructor(
    private readonly input: LibInput,
    private readonly tag: string | undefined,
    private readonly logger: HostLogger,
    readonly counts: FeedCounts,
    private readonly invalid: InvalidLines,
  ) {}

  /** One piece of pino's text. Returns false when the lib input asks to wait for 'drain'. */
  write(piece: Buffer): boolean {
    const lastNewline = piece.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      this.tail = this.tail === undefined ? Buffer.from(piece) : Buffer.concat([this.tail, piece]);
      return true;
    }
    const lines = piece.subarray(0, lastNewline + 1);
    const batch = this.tail === undefined ? lines : Buffer.concat([this.tail, lines]);
    this.tail = lastNewline + 1 < piece.length ? Buffer.from(piece.subarray(lastNewline + 1)) : undefined;
    return this.parse(batch);
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): void {
    const tail = this.tail;
    this.tail = undefined;
    if (tail !== undefined) this.parse(tail);
  }

  private parse(batch: Buffer): boolean {
    const firstLine = this.nextLine;
    const { chunks, problems, lines } = nativeJsonLinesToChunks(batch, { firstLine, maxChunkBytes: MAX_CHUNK_BYTES, timeKey: PINO_TIME_KEY, objectsOnly: true });
    this.nextLine += lines;
    for (const problem of problems) this.invalid.add(problem.message, () => lineOf(batch, problem.line - firstLine));
    let more = true;
    for (const chunk of chunks) {
      try {
        if (!this.input.pushChunk(chunk, this.tag)) more = false;
        this.counts.taken += chunk.events;
      } catch (error) {
        // An exception here would reach the application as the transport's
        // 'error' event, which an application without a listener dies of.
        if (this.counts.refused === 0) this.logger.error({ err: error }, `records were not taken by the pipeline: ${(error as Error).message}; further ones are counted in the closing report`);
        this.counts.refused += chunk.events;
      }
    }
    return more;
  }
}

/** The text of the batch's line `index` (0-based), for a warning's sample. */
function lineOf(batch: Buffer, index: number): string {
  let start = 0;
  for (let i = 0; i < index; i++) start = batch.indexOf(0x0a, start) + 1;
  const newline = batch.indexOf(0x0a, start);
  return batch.toString('utf8', start, newline === -1 ? batch.length : newline).trim();
}

/**
 * Makes `source`, the stream pino-abstract-transport built (split2), feed
 * `feed` with the pieces thread-stream writes, instead of splitting them
 * into lines and JSON.parse-ing each: its _transform and _flush are
 * replaced (the Transform implementer's API), and nothing is pushed to its
 * readable side, which is set flowing so that it still ends, and
 * pino-abstract-transport's lifecycle (autoDestroy, then the close hook in
 * _destroy) runs as before.
 */
export function feedFromStream(source: Transform, feed: PinoFeed, input: LibInput, logger: HostLogger): void {
  source._transform = (piece: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void => {
    let more = true;
    try {
      more = feed.write(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
    } catch (error) {
      // A bug, not a record: said, and the transport goes on (see refused above).
      logger.error({ err: error }, `the transport could not read a piece of pino's output: ${(error as Error).message}`);
    }
    if (more || source.writableEnded) callback();
    else void drainOrEnd(input, source).then(() => callback());
  };
  source._flush = (callback: TransformCallback): void => {
    try {
      feed.end();
    } catch (error) {
      logger.error({ err: error }, `the transport could not read the end of pino's output: ${(error as Error).message}`);
    }
    callback();
  };
  source.resume();
}
