/**
 * Drives built-in plugins directly through the plugin interface: hand-made
 * contexts with a recording sink and a captured logger, and output chunks
 * built with the encoder.
 */
import { Writable } from 'node:stream';
import { propertiesOf } from '../../src/engine/properties.js';
import type { InputContext, InputSink, OutputChunk, OutputContext } from '../../src/engine/plugin-api.js';
import type { Chunk, EventFormat } from '../../src/events/chunk.js';
import { decodeChunk } from '../../src/events/decoder.js';
import { encodeChunk, type LogEvent } from '../../src/events/encoder.js';
import { captureLogger, type CapturedLine } from '../helpers/capture-logger.js';

/** An InputSink that keeps everything it is given. */
export class RecordingSink implements InputSink {
  readonly batches: LogEvent[][] = [];
  readonly rawBatches: Uint8Array[] = [];
  readonly chunks: Chunk[] = [];
  ended = 0;
  droppedRecords = 0;
  /** What events()/raw() answer: false asks the input to slow down. */
  accepting = true;

  events(events: Iterable<LogEvent>): boolean {
    this.batches.push([...events]);
    return this.accepting;
  }

  raw(data: Uint8Array): boolean {
    this.rawBatches.push(Uint8Array.from(data));
    return this.accepting;
  }

  /** Kept as it is, and decoded into `batches` (one per chunk) so that `all` shows its events. */
  chunk(chunk: Chunk): boolean {
    this.chunks.push(chunk);
    this.batches.push(
      decodeChunk(chunk.data, 't').events.map(({ time, record, metadata }) =>
        ({ time, record, metadata: Object.keys(metadata).length > 0 ? metadata : undefined }),
      ),
    );
    return this.accepting;
  }

  end(): void {
    this.ended++;
  }

  dropped(records: number): void {
    this.droppedRecords += records;
  }

  stored(): Promise<void> {
    return Promise.resolve(); // kept in memory, as a memory input's are
  }

  /** Every event handed over, in order. */
  get all(): LogEvent[] {
    return this.batches.flat();
  }

  /** Every raw byte handed over, concatenated. */
  get rawBytes(): Buffer {
    return Buffer.concat(this.rawBatches);
  }
}

export interface InputHarness {
  ctx: InputContext;
  sink: RecordingSink;
  logs: CapturedLine[];
}

export function inputContext(pairs: Array<[string, string]> = [], name = 'in.0', chunkSize = 2 * 1024 * 1024): InputHarness {
  const sink = new RecordingSink();
  const { logger, lines } = captureLogger('debug');
  const ctx: InputContext = { name, tag: name, chunkSize, properties: propertiesOf(pairs), logger, sink, storage: 'memory' };
  return { ctx, sink, logs: lines };
}

export interface OutputHarness {
  ctx: OutputContext;
  logs: CapturedLine[];
}

export function outputContext(pairs: Array<[string, string]> = [], name = 'out.0'): OutputHarness {
  const { logger, lines } = captureLogger('debug');
  return { ctx: { name, properties: propertiesOf(pairs), logger }, logs: lines };
}

/** A chunk of `events` as an output receives it. */
export function outputChunk(events: LogEvent[], tag = 'app.log', format: EventFormat = 'v1'): OutputChunk {
  const chunk = encodeChunk(events, { format });
  return { tag, chunk, records: chunk.events, events: () => decodeChunk(chunk.data, tag).events, pieces: () => [chunk.data] };
}

/** A Writable that collects what is written, optionally slowly and with a tiny buffer. */
export class CollectingWritable extends Writable {
  readonly pieces: Buffer[] = [];
  writes = 0;

  constructor(options: { highWaterMark?: number; delayMs?: number; fail?: Error } = {}) {
    super({
      highWaterMark: options.highWaterMark ?? 16 * 1024,
      write: (chunk: Buffer, _encoding, done) => {
        this.writes++;
        const finish = () => {
          if (options.fail) {
            done(options.fail);
            return;
          }
          this.pieces.push(Buffer.from(chunk));
          done();
        };
        if (options.delayMs) setTimeout(finish, options.delayMs);
        else finish();
      },
    });
  }

  get text(): string {
    return Buffer.concat(this.pieces).toString('utf8');
  }

  get bytes(): Buffer {
    return Buffer.concat(this.pieces);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
