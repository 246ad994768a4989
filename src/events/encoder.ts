/**
 * Turns JavaScript records into a chunk of Fluent Bit events.
 *
 * The 10-byte EventTime is written by hand and the record by msgpackr, which
 * cannot emit ext type 0 itself and by default would turn `undefined` into
 * one (a 1-byte ext 0 that fluent-bit-go decodes as an 8-byte EventTime and
 * panics on). With `encodeUndefinedAsNil` nothing in a record becomes ext 0,
 * so encoder output is valid by construction and is flushed without a walk.
 */
import { Packr } from 'msgpackr';
import { trustedChunk, type Chunk, type EventFormat } from './chunk.js';
import { toEventTime, writeEventTime, type TimeInput } from './event-time.js';

/** One log event as the API takes it. */
export interface LogEvent {
  /** Defaults to now. See TimeInput for what is accepted. */
  time?: TimeInput;
  /** The record: a plain object or a Map. */
  record: Record<string, unknown> | Map<unknown, unknown>;
  /** v2 metadata; dropped when encoding v1. */
  metadata?: Record<string, unknown> | Map<unknown, unknown>;
}

export interface EncodeOptions {
  /** v1 `[EventTime, record]` (default) or v2 `[[EventTime, metadata], record]`. */
  format?: EventFormat;
}

const packr = new Packr({
  useRecords: false, // msgpackr's record extension is not standard MessagePack
  variableMapSize: true, // fixmap for small maps, like every other encoder
  encodeUndefinedAsNil: true,
});

function isMapHeader(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0x8f) || byte === 0xde || byte === 0xdf;
}

function packMap(value: unknown, what: string, index: number): Uint8Array {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`event ${index}: ${what} must be an object or a Map; got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  let packed: Uint8Array;
  try {
    packed = packr.pack(value);
  } catch (error) {
    throw new TypeError(`event ${index}: ${what} cannot be encoded as MessagePack: ${(error as Error).message}`);
  }
  if (!isMapHeader(packed[0]!)) {
    throw new TypeError(`event ${index}: ${what} did not encode as a MessagePack map`);
  }
  return packed;
}

/** Appends events to one growing buffer; `finish()` returns the Chunk. */
export class ChunkWriter {
  private buffer: Uint8Array;
  private length = 0;
  private count = 0;

  constructor(
    readonly format: EventFormat = 'v1',
    initialSize = 64 * 1024,
  ) {
    this.buffer = new Uint8Array(initialSize);
  }

  get byteLength(): number {
    return this.length;
  }

  get events(): number {
    return this.count;
  }

  append(event: LogEvent): void {
    const index = this.count;
    if (typeof event !== 'object' || event === null) {
      throw new TypeError(`event ${index}: expected { time?, record, metadata? }; got ${event === null ? 'null' : typeof event}`);
    }
    const time = toEventTime(event.time);
    const record = packMap(event.record, 'record', index);
    const metadata = this.format === 'v2' && event.metadata !== undefined ? packMap(event.metadata, 'metadata', index) : undefined;

    this.reserve(2 + 10 + (metadata?.length ?? 1) + record.length);
    const out = this.buffer;
    let o = this.length;
    out[o++] = 0x92;
    if (this.format === 'v2') out[o++] = 0x92;
    o = writeEventTime(out, o, time);
    if (this.format === 'v2') {
      if (metadata) {
        out.set(metadata, o);
        o += metadata.length;
      } else {
        out[o++] = 0x80; // empty map
      }
    }
    out.set(record, o);
    this.length = o + record.length;
    this.count++;
  }

  /** The events so far as a Chunk (a copy sized exactly); the writer is reset. */
  finish(): Chunk {
    const data = this.buffer.slice(0, this.length);
    const chunk = trustedChunk(data, this.format, this.count);
    this.length = 0;
    this.count = 0;
    return chunk;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

/** Encodes events into one chunk. Throws TypeError naming the bad event. */
export function encodeChunk(events: Iterable<LogEvent>, options: EncodeOptions = {}): Chunk {
  const writer = new ChunkWriter(options.format ?? 'v1');
  for (const event of events) writer.append(event);
  return writer.finish();
}
