/**
 * The `stdin` input (Fluent Bit's in_stdin): reads events from standard
 * input (or any Readable) until it ends, then ends the input.
 *
 * `format`: `json` (one JSON event per line: a record, `[time, record]` or
 * `[[time, metadata], record]`), `msgpack` (a stream of MessagePack
 * events, passed to the engine in whole values), or `auto` (default: `{` or
 * `[` as the first non-blank byte means JSON, anything else MessagePack).
 * `buffer_size` bounds one line or one MessagePack value (default 16M).
 *
 * Each 'data' chunk becomes one batch: its whole lines are parsed in one
 * native call straight into chunks of events (json-chunks.ts; a large batch
 * on the libuv pool, the stream paused meanwhile). When the engine answers a
 * batch with false the stream is paused, and resume() lets it flow again: a
 * fast producer is slowed down at the pipe instead of buffered in memory.
 */
import type { Readable } from 'node:stream';
import type { InputContext, InputPlugin, InputPluginFactory } from '../engine/plugin-api.js';
import { JsonLinesReader, type LinesResult } from './json-lines-reader.js';
import { MsgpackStreamCorrupt, MsgpackStreamSplitter } from './msgpack-stream-splitter.js';
import { PropertyReader } from './property-reader.js';

export const STDIN_FORMATS = ['auto', 'json', 'msgpack'] as const;
export type StdinFormat = (typeof STDIN_FORMATS)[number];

export interface StdinInputOptions {
  /** Where to read; default process.stdin. */
  stream?: Readable;
}

/** Only used if the engine gives no chunk size. */
const DEFAULT_RUN_BYTES = 2 * 1024 * 1024;
const BLANK_BYTES = new Set([0x20, 0x09, 0x0a, 0x0d]);
const JSON_START_BYTES = new Set([0x7b /* { */, 0x5b /* [ */]);
const UTF8_BOM = Buffer.of(0xef, 0xbb, 0xbf);

export class StdinInput implements InputPlugin {
  readonly name = 'stdin';
  readonly description = 'Reads events from standard input';
  private format: StdinFormat = 'auto';
  private maxValueBytes = 16 * 1024 * 1024;
  private lines?: JsonLinesReader;
  private splitter?: MsgpackStreamSplitter;
  /** Blank bytes read while the format is still 'auto'. */
  private undecided: Buffer[] = [];
  private ctx?: InputContext;
  private skippedLines = 0;
  private corrupt = false;
  private paused = false;
  private finished = false;
  /** A batch is being parsed off the JS thread: the stream is paused until it is handed over. */
  private parsing = false;

  constructor(private readonly stream: Readable) {}

  /** JSON lines skipped because they were not events (each was logged). */
  get skipped(): number {
    return this.skippedLines;
  }

  init(ctx: InputContext): void {
    const properties = new PropertyReader(ctx);
    this.format = properties.choice('format', STDIN_FORMATS, 'auto');
    this.maxValueBytes = properties.size('buffer_size', '16M');
  }

  start(ctx: InputContext): void {
    this.ctx = ctx;
    if (this.stream.readableEnded) {
      this.finish();
      return;
    }
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.on('error', this.onError);
    // Explicitly: a stream an earlier input paused (before a hot reload)
    // stays paused when a 'data' listener is added.
    if (this.paused) this.stream.pause();
    else this.stream.resume();
  }

  pause(): void {
    this.paused = true;
    this.stream.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.ctx && !this.finished && !this.parsing) this.stream.resume();
  }

  exit(): void {
    this.detach();
    this.stream.off('error', this.onError);
    this.stream.pause(); // lets process.stdin stop holding the process open
    if (!this.finished && !this.corrupt) {
      // A hot reload starts another stdin input on the same stream: the
      // bytes of a line (or value) not completed yet go back to the stream,
      // so that it reads them first instead of starting mid-line.
      const partial = Buffer.concat([...this.undecided, this.lines?.takePartial() ?? Buffer.alloc(0), this.splitter?.takePending() ?? Buffer.alloc(0)]);
      this.undecided = [];
      if (partial.length > 0) this.stream.unshift(partial);
    }
  }

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.finished || this.corrupt) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const decided = this.format === 'auto' ? this.detectFormat(bytes) : bytes;
    if (decided === undefined) return;
    const accepted = this.format === 'json' ? this.takeJson(decided) : this.takeMsgpack(decided);
    if (!accepted) this.stream.pause();
  };

  /**
   * Decides between JSON and MessagePack on the first byte that is not
   * blank (nor a UTF-8 byte order mark). Returns the bytes to decode, or
   * undefined while there were only blanks (kept, so JSON line numbers stay right).
   */
  private detectFormat(bytes: Buffer): Buffer | undefined {
    const seen = this.undecided.length === 0 ? bytes : Buffer.concat([...this.undecided, bytes]);
    const start = seen.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
    let first = start;
    while (first < seen.length && BLANK_BYTES.has(seen[first]!)) first++;
    if (first === seen.length) {
      this.undecided.push(bytes);
      return undefined;
    }
    this.undecided = [];
    this.format = JSON_START_BYTES.has(seen[first]!) ? 'json' : 'msgpack';
    // Blanks cannot start a MessagePack event; for JSON they only count lines.
    return this.format === 'json' ? seen.subarray(start) : seen.subarray(first);
  }

  private readonly onEnd = (): void => {
    if (this.format === 'json' && this.lines) this.handOver(this.lines.end());
    const leftover = this.splitter?.pendingBytes ?? 0;
    if (leftover > 0 && !this.corrupt) {
      this.ctx!.logger.warn({ bytes: leftover }, `the input ended inside a MessagePack value; its ${leftover} byte(s) were dropped`);
    }
    this.finish();
  };

  private readonly onError = (error: Error): void => {
    if (this.finished) {
      this.ctx!.logger.debug({ err: error }, `the input failed after it ended: ${error.message}`);
      return;
    }
    this.ctx!.logger.error({ err: error }, `reading the input failed: ${error.message}`);
    this.finish();
  };

  /** Returns what the sink said: false means slow down (and false while a batch is parsed off the thread). */
  private takeJson(bytes: Buffer): boolean {
    this.lines ??= new JsonLinesReader(this.maxValueBytes, this.ctx!.chunkSize || DEFAULT_RUN_BYTES);
    const result = this.lines.push(bytes);
    if (!(result instanceof Promise)) return this.handOver(result);
    this.parsing = true;
    result.then(
      (parsed) => {
        this.parsing = false;
        const accepted = this.handOver(parsed);
        // Paused by the engine meanwhile, or by this answer: its resume() lets the stream go.
        if (accepted && !this.paused && !this.finished) this.stream.resume();
      },
      (error: unknown) => {
        this.parsing = false;
        this.onError(error as Error);
      },
    );
    return false;
  }

  private handOver(result: LinesResult): boolean {
    for (const problem of result.problems) {
      this.skippedLines++;
      this.ctx!.logger.warn({ line: problem.line }, `line ${problem.line}: ${problem.message}; skipped`);
    }
    let accepted = true;
    for (const chunk of result.chunks) accepted = this.ctx!.sink.chunk(chunk) && accepted;
    return accepted;
  }

  private takeMsgpack(bytes: Buffer): boolean {
    this.splitter ??= new MsgpackStreamSplitter(this.maxValueBytes, this.ctx!.chunkSize || DEFAULT_RUN_BYTES);
    try {
      return this.handOverRaw(this.splitter.push(bytes));
    } catch (error) {
      if (!(error instanceof MsgpackStreamCorrupt)) throw error;
      return this.giveUpOnCorruptMsgpack(error);
    }
  }

  /** Nothing after a corrupt value can be trusted to start on a value boundary. */
  private giveUpOnCorruptMsgpack(error: MsgpackStreamCorrupt): boolean {
    this.corrupt = true;
    this.ctx!.logger.error(
      { offset: error.streamOffset },
      `the MessagePack input is corrupt at byte ${error.streamOffset} (${error.message}); the rest of the input is ignored`,
    );
    // The stream keeps flowing (onData drops what comes) so the writer is not blocked until EOF.
    return this.handOverRaw(error.complete);
  }

  /** Every run goes to the sink (the bytes are read already); false if it asked to slow down. */
  private handOverRaw(runs: Uint8Array[]): boolean {
    let accepted = true;
    for (const run of runs) accepted = this.ctx!.sink.raw(run) && accepted;
    return accepted;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.detach();
    this.ctx!.sink.end();
  }

  /** Stops listening for data; the 'error' listener stays until exit() so a late error is logged, not thrown. */
  private detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
  }
}

/** A stdin factory reading from `options.stream` (for tests and embedding). */
export function stdinInput(options: StdinInputOptions = {}): InputPluginFactory {
  return {
    kind: 'input',
    keys: ['format', 'buffer_size'],
    name: 'stdin',
    description: 'Reads JSON lines or MessagePack events from standard input',
    // process.stdin is only touched when an instance is made: the getter opens the stream.
    create: () => new StdinInput(options.stream ?? process.stdin),
  };
}

/** The stdin factory reading process.stdin. */
export const stdinInputFactory: InputPluginFactory = stdinInput();
