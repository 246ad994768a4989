/**
 * The transport's consumer: pino's lines, parsed, pushed into the lib input
 * with the lib input's backpressure.
 *
 * How backpressure reaches pino: this loop pulls the next line only once
 * the lib input has taken the last one without asking to wait; when push()
 * returns false (the pipeline holds Mem_Buf_Limit, or an output its queue
 * limit) it waits for the input's 'drain'. Meanwhile the stream
 * pino-abstract-transport built (split2) stops splitting, its write side
 * fills, thread-stream's worker stops reading the shared buffer, and pino's
 * side of thread-stream buffers and, at the end, blocks: the same as for any
 * slow pino transport. Nothing is dropped on the way.
 *
 * Once thread-stream has ended the stream (transport.end(), or process exit)
 * there is nothing left to hold back: what remains is at most what was in
 * thread-stream's buffer (4 MiB by default), and thread-stream now waits a
 * bounded time for the transport to close. So from then on lines are pushed
 * without waiting for 'drain', and the pipeline's stop, with its Grace,
 * starts as early as it can.
 */
import type { Transform } from 'node:stream';
import type { LibInput, PushOptions } from '../builtin/lib-input.js';
import type { HostLogger } from '../logging.js';
import { lineToEvent } from './line-to-event.js';

export interface FeedCounts {
  /** Records the lib input took. */
  taken: number;
  /** Records it refused (the pipeline had stopped, or a time it could not encode). */
  refused: number;
}

/** While waiting for 'drain', how often to look whether the stream was ended. */
const ENDED_POLL_MS = 50;

/** Resolves on the input's 'drain', or once the stream's write side has ended. */
function drainOrEnd(input: LibInput, source: Transform): Promise<void> {
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

/**
 * Pushes every line of `source` into `input`; resolves when the stream
 * ends. Never rejects for a record: a refused one is counted and the first
 * is logged, because an exception here would reach the application as the
 * transport's 'error' event, which an application without a listener dies of.
 */
export async function feed(
  source: Transform,
  input: LibInput,
  tag: string | undefined,
  logger: HostLogger,
  counts: FeedCounts,
): Promise<void> {
  for await (const line of source as AsyncIterable<Record<string, unknown>>) {
    let more = true;
    try {
      const { time, record } = lineToEvent(line);
      const options: PushOptions = tag === undefined ? { time } : { time, tag };
      more = input.push(record, options);
      counts.taken++;
    } catch (error) {
      if (counts.refused++ === 0) logger.error({ err: error }, `a record was not taken by the pipeline: ${(error as Error).message}; further ones are counted in the closing report`);
      continue;
    }
    if (!more && !source.writableEnded) await drainOrEnd(input, source);
  }
}
