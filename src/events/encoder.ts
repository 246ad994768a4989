/**
 * Turns JavaScript records into a chunk of Fluent Bit events, written by
 * RecordEncoder straight into one growing buffer. Nothing in a record can
 * become ext type 0 except an EventTime (8 bytes), so encoder output is valid
 * by construction and is flushed without a walk.
 */
import { trustedChunk, type Chunk, type EventFormat } from './chunk.js';
import { toEventTime, type TimeInput } from './event-time.js';
import { RecordEncoder } from './record-encoder.js';

/** One log event as the API takes it. */
export interface LogEvent {
  /** Defaults to now. See TimeInput for what is accepted. */
  time?: TimeInput;
  /** The record: a plain object or a Map. Values follow JSON.stringify's rules (see RecordEncoder). */
  record: Record<string, unknown> | Map<unknown, unknown>;
  /** v2 metadata; dropped when encoding v1. */
  metadata?: Record<string, unknown> | Map<unknown, unknown>;
}

export interface EncodeOptions {
  /** v1 `[EventTime, record]` (default) or v2 `[[EventTime, metadata], record]`. */
  format?: EventFormat;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** Appends events to one growing buffer; `finish()` returns the Chunk. */
export class ChunkWriter {
  private readonly encoder: RecordEncoder;
  private count = 0;

  constructor(
    readonly format: EventFormat = 'v1',
    initialSize = 64 * 1024,
  ) {
    this.encoder = new RecordEncoder(Math.max(256, initialSize));
  }

  get byteLength(): number {
    return this.encoder.position;
  }

  get events(): number {
    return this.count;
  }

  append(event: LogEvent): void {
    if (typeof event !== 'object' || event === null) {
      throw new TypeError(`event ${this.count}: expected { time?, record, metadata? }; got ${describe(event)}`);
    }
    this.appendRecord(event.record, event.time, event.metadata);
  }

  /** append() without the event object: what lib.push() calls for every record. */
  appendRecord(record: LogEvent['record'], time?: TimeInput, metadata?: LogEvent['metadata']): void {
    const index = this.count;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new TypeError(`event ${index}: record must be an object or a Map; got ${describe(record)}`);
    }
    const v2 = this.format === 'v2';
    if (v2 && metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
      throw new TypeError(`event ${index}: metadata must be an object or a Map; got ${describe(metadata)}`);
    }
    const eventTime = time === undefined ? null : toEventTime(time); // throws its own RangeError
    const encoder = this.encoder;
    const start = encoder.position;
    try {
      encoder.writeByte(0x92);
      if (v2) encoder.writeByte(0x92);
      if (eventTime === null) encoder.writeCurrentTime();
      else encoder.writeEventTime(eventTime.seconds, eventTime.nanoseconds);
      if (v2) {
        if (metadata === undefined) encoder.writeByte(0x80);
        else encoder.writeMetadata(metadata);
      }
      encoder.writeRecord(record);
    } catch (error) {
      encoder.position = start; // the chunk stays as it was before this event
      throw new TypeError(`event ${index}: ${v2 && metadata !== undefined ? 'record or metadata' : 'record'} cannot be encoded as MessagePack: ${(error as Error).message}`);
    }
    this.count++;
  }

  /** The events so far as a Chunk; the writer starts a new buffer (no copy). */
  finish(): Chunk {
    const chunk = trustedChunk(this.encoder.takeBytes(), this.format, this.count);
    this.count = 0;
    return chunk;
  }
}

/** Encodes events into one chunk. Throws TypeError naming the bad event. */
export function encodeChunk(events: Iterable<LogEvent>, options: EncodeOptions = {}): Chunk {
  const writer = new ChunkWriter(options.format ?? 'v1');
  for (const event of events) writer.append(event);
  return writer.finish();
}
