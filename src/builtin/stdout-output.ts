/**
 * The `stdout` output (Fluent Bit's out_stdout): prints each chunk to
 * standard output as JSON lines (default), one JSON array per chunk, a JSON
 * stream, or the raw MessagePack bytes.
 *
 * A flush settles once the stream took the bytes (and drained, when it said
 * its buffer was full), so a slow reader slows the pipeline instead of
 * growing memory without bound.
 *
 * A reader that went away (EPIPE: `flbhost … | head`) never comes back: from
 * then on the output discards what it is given and answers ok, as Fluent
 * Bit's out_stdout does (it ignores write errors), saying so once at debug
 * level. The flbhost command stops on it (cli/run.ts), as a Unix tool does.
 * Any other write error is logged and retried.
 */
import type { Writable } from 'node:stream';
import type { OutputChunk, OutputContext, OutputPlugin, OutputPluginFactory } from '../engine/plugin-api.js';
import type { FlushResult } from '../proxy/output.js';
import { eventToJson } from './json-format.js';
import { JSON_DATE_KEYS, readJsonDateOptions, type JsonDateOptions } from './json-date.js';
import { PropertyReader } from './property-reader.js';
import { writeWithBackpressure } from './write-with-backpressure.js';

export const STDOUT_FORMATS = ['json_lines', 'json', 'json_stream', 'msgpack'] as const;
export type StdoutFormat = (typeof STDOUT_FORMATS)[number];

export interface StdoutOutputOptions {
  /** Where to write; default process.stdout. */
  stream?: Writable;
}

class StdoutOutput implements OutputPlugin {
  readonly name = 'stdout';
  readonly description = 'Prints events to standard output';
  private format: StdoutFormat = 'json_lines';
  private dateOptions: JsonDateOptions = { dateKey: 'date', dateFormat: 'double' };
  private ctx?: OutputContext;
  /** The reader went away (EPIPE); nothing can be written any more. */
  private closed = false;

  constructor(private readonly stream: Writable) {}

  init(ctx: OutputContext): void {
    const properties = new PropertyReader(ctx);
    this.format = properties.choice('format', STDOUT_FORMATS, 'json_lines');
    this.dateOptions = readJsonDateOptions(properties);
    this.ctx = ctx;
    // An unhandled 'error' event (EPIPE when the reader went away) would end
    // the process; the failed write already reaches flush() through its callback.
    this.stream.on('error', this.onStreamError);
  }

  async flush(chunk: OutputChunk, ctx: OutputContext): Promise<FlushResult> {
    const text = this.render(chunk);
    if (text.length === 0 || this.closed) return 'ok';
    try {
      await writeWithBackpressure(this.stream, text);
      return 'ok';
    } catch (error) {
      if (this.closed || isClosedReader(error)) {
        this.readerGone(error as Error);
        return 'ok';
      }
      ctx.logger.error({ err: error }, `cannot write to standard output: ${(error as Error).message}`);
      return 'retry';
    }
  }

  private readerGone(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx?.logger.debug(`standard output was closed (${(error as NodeJS.ErrnoException).code ?? error.message}): discarding what this output receives`);
  }

  exit(): void {
    this.stream.off('error', this.onStreamError);
  }

  private readonly onStreamError = (error: Error): void => {
    if (isClosedReader(error)) this.readerGone(error);
    else this.ctx?.logger.debug({ err: error }, `standard output failed: ${error.message}`);
  };

  private render(chunk: OutputChunk): string | Uint8Array {
    if (this.format === 'msgpack') return chunk.chunk.data;
    const objects = chunk.events().map((event) => eventToJson(event, this.dateOptions));
    if (objects.length === 0) return '';
    switch (this.format) {
      case 'json':
        return `[${objects.join(',')}]\n`;
      case 'json_stream':
        return `${objects.join('')}\n`;
      default:
        return `${objects.join('\n')}\n`;
    }
  }
}

/** The error of a write to a pipe or socket whose reader has gone. */
export function isClosedReader(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/** A stdout factory writing to `options.stream` (for tests and embedding). */
export function stdoutOutput(options: StdoutOutputOptions = {}): OutputPluginFactory {
  return {
    kind: 'output',
    keys: ['format', ...JSON_DATE_KEYS],
    name: 'stdout',
    description: 'Prints events to standard output (json_lines, json, json_stream or msgpack)',
    create: () => new StdoutOutput(options.stream ?? process.stdout),
  };
}

/** The stdout factory writing to process.stdout. */
export const stdoutOutputFactory: OutputPluginFactory = stdoutOutput();
