/**
 * Splits a byte stream into JSON lines and turns each into a log event.
 * A line may arrive in any number of pieces (even mid-character: lines are
 * cut on the newline byte and only then decoded as UTF-8). Bad lines are
 * reported with their line number, not thrown, so one typo does not stop
 * the stream.
 */
import type { LogEvent } from '../events/encoder.js';
import { eventFromJsonLine } from './json-event.js';

export interface LineProblem {
  /** 1-based line number in the stream. */
  line: number;
  message: string;
}

export interface LinesResult {
  events: LogEvent[];
  problems: LineProblem[];
}

const NEWLINE = 0x0a;

export class JsonLinesReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNumber = 0;
  /** Set while skipping the rest of a line that outgrew the limit. */
  private discarding = false;

  /** @param maxLineBytes longest line accepted; longer ones are skipped and reported. */
  constructor(private readonly maxLineBytes: number) {}

  /** The events of every line completed by `bytes`. */
  push(bytes: Buffer): LinesResult {
    const result: LinesResult = { events: [], problems: [] };
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE, start); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      this.completeLine(bytes.subarray(start, end), result);
      start = end + 1;
    }
    this.keepPartial(bytes.subarray(start), result);
    return result;
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
    const result: LinesResult = { events: [], problems: [] };
    if (this.pendingBytes > 0 || this.discarding) this.completeLine(Buffer.alloc(0), result);
    return result;
  }

  private keepPartial(rest: Buffer, result: LinesResult): void {
    if (rest.length === 0 || this.discarding) return;
    this.pending.push(rest);
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.maxLineBytes) {
      result.problems.push({ line: this.lineNumber + 1, message: `longer than ${this.maxLineBytes} bytes` });
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  private completeLine(tail: Buffer, result: LinesResult): void {
    this.lineNumber++;
    if (this.discarding) {
      this.discarding = false; // already reported when it outgrew the limit
      return;
    }
    const bytes = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    if (bytes.length > this.maxLineBytes) {
      result.problems.push({ line: this.lineNumber, message: `longer than ${this.maxLineBytes} bytes` });
      return;
    }
    const text = bytes.toString('utf8').trim(); // trim: \r of CRLF, stray spaces
    if (text.length === 0) return;
    try {
      result.events.push(eventFromJsonLine(text));
    } catch (error) {
      result.problems.push({ line: this.lineNumber, message: (error as Error).message });
    }
  }
}
