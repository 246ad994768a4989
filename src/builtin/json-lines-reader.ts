/**
 * Splits a byte stream into JSON lines and turns them into chunks of events
 * (json-chunks.ts), one parse per batch of whole lines. A line may arrive in
 * any number of pieces (even mid-character: lines are cut on the newline
 * byte). Bad lines are reported with their line number, not thrown, so one
 * typo does not stop the stream.
 *
 * A large batch is parsed on the libuv pool: push() then returns a promise,
 * and the caller must not push again until it settled.
 */
import type { Chunk } from '../events/chunk.js';
import { jsonLinesToChunks, parseJsonLines, type JsonLineProblem, type JsonLinesBatch } from './json-chunks.js';

export type LineProblem = JsonLineProblem;

export interface LinesResult {
  chunks: Chunk[];
  problems: LineProblem[];
}

const NEWLINE = 0x0a;
const EMPTY: LinesResult = { chunks: [], problems: [] };

export class JsonLinesReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNumber = 0;
  /** Set while skipping the rest of a line that outgrew the limit. */
  private discarding = false;
  /** The partial line outgrew the limit while a batch was being parsed: reported once it is done. */
  private overlong = false;
  private busy = false;

  /**
   * @param maxLineBytes longest line accepted; longer ones are skipped and reported.
   * @param maxChunkBytes size at which a chunk is closed (the engine's chunk size).
   */
  constructor(
    private readonly maxLineBytes: number,
    private readonly maxChunkBytes: number = 2 * 1024 * 1024,
  ) {}

  /** The chunks of every line completed by `bytes`. */
  push(bytes: Buffer): LinesResult | Promise<LinesResult> {
    if (this.busy) throw new Error('JsonLinesReader: push() while a batch is being parsed');
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      const problems: LineProblem[] = [];
      this.keepPartial(bytes);
      if (this.overlong) this.reportOverlong(problems);
      return problems.length === 0 ? EMPTY : { chunks: [], problems };
    }
    let whole: Buffer;
    if (this.discarding) {
      // The rest of a line already reported as too long: counted, not parsed.
      const firstNewline = bytes.indexOf(NEWLINE);
      this.discarding = false;
      this.lineNumber++;
      whole = bytes.subarray(firstNewline + 1, lastNewline + 1);
    } else {
      const head = bytes.subarray(0, lastNewline + 1);
      whole = this.pending.length === 0 ? head : Buffer.concat([...this.pending, head]);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.keepPartial(bytes.subarray(lastNewline + 1));
    if (whole.length === 0) return this.afterBatch({ chunks: [], problems: [], lines: 0 });
    const parsed = parseJsonLines(whole, this.options());
    if (!(parsed instanceof Promise)) return this.afterBatch(parsed);
    this.busy = true;
    return parsed.then(
      (batch) => {
        this.busy = false;
        return this.afterBatch(batch);
      },
      (error: unknown) => {
        this.busy = false;
        throw error;
      },
    );
  }

  /**
   * The start of a line not completed yet, taken out of this reader (for a
   * reader that takes over the stream: StdinInput.exit()). Empty while a
   * line too long is being skipped: its rest is skipped by no one else.
   */
  takePartial(): Buffer {
    const partial = this.discarding ? Buffer.alloc(0) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return partial;
  }

  /** End of stream: the last line counts even without a newline. */
  end(): LinesResult {
    if (this.discarding) {
      this.discarding = false;
      this.lineNumber++;
      return EMPTY;
    }
    if (this.pendingBytes === 0) return EMPTY;
    const last = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return this.afterBatch(jsonLinesToChunks(last, this.options()));
  }

  private options() {
    return { firstLine: this.lineNumber + 1, maxLineBytes: this.maxLineBytes, maxChunkBytes: this.maxChunkBytes };
  }

  private afterBatch(batch: JsonLinesBatch): LinesResult {
    this.lineNumber += batch.lines;
    if (this.overlong) this.reportOverlong(batch.problems);
    return { chunks: batch.chunks, problems: batch.problems };
  }

  /** The partial line (the one after the last complete line) outgrew the limit. */
  private reportOverlong(problems: LineProblem[]): void {
    this.overlong = false;
    problems.push({ line: this.lineNumber + 1, message: `longer than ${this.maxLineBytes} bytes` });
  }

  private keepPartial(rest: Buffer): void {
    if (rest.length === 0 || this.discarding) return;
    this.pending.push(rest);
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.maxLineBytes) {
      this.overlong = true;
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }
}
