/**
 * Decodes chunks produced by input plugins into JS events, accepting every
 * event shape Fluent Bit's own decoder accepts: `[ts, record]` and
 * `[[ts, metadata], record]`, with ts an EventTime (ext 0 as fixext8 or
 * ext8), positive integer seconds or float seconds.
 *
 * Plugin data is untrusted: decoding stops at the first malformed event and
 * returns the valid events before it together with what was wrong and where,
 * so the caller can count and log it. Nothing here throws on bad bytes.
 *
 * What an event is comes from event-walker.ts (policy `decode`): timestamps
 * are read by its readTimestamp, and a failure is re-derived by walking the
 * failed event with it, so messages and offsets are the walker's. The values
 * themselves are decoded by the Reader below rather than through the walker
 * with a visitor: on 3.3 MB of 20,000 typical records, a walk that hands each
 * value to a visitor building the JS objects ran at 34-35 MB/s where this
 * Reader runs at 59-75 MB/s (CPU time, same process, 2-core shared machine),
 * so the decoder shares the walker's event rules and messages, not its value
 * loop. Decoding speed before/after the walker: 46-47 vs 45-49 MB/s (v1),
 * 44-49 vs 47-48 MB/s (v2), i.e. unchanged within noise. The corpus test
 * (test/unit/chunk-corpus.test.ts) checks that this Reader accepts exactly
 * what the walker's `decode` policy accepts.
 */
import { EventTime, MAX_EVENT_SECONDS } from './event-time.js';
import { eventFailure, readTimestamp, type EventFailure } from './event-walker.js';
import { MAX_DEPTH, MsgpackWalkError, truncated } from './msgpack-walk.js';

/** A MessagePack extension value with no JS meaning (not EventTime, not a timestamp). */
export class MsgpackExtension {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

export interface DecodedEvent {
  tag: string;
  time: EventTime;
  metadata: Record<string, unknown>;
  record: Record<string, unknown>;
}

/** Index of the first event that could not be decoded, the byte offset where it failed, and why. */
export type DecodeFailure = EventFailure;

export interface DecodeResult {
  events: DecodedEvent[];
  /** Set when the chunk had malformed data; `events` holds what came before it. */
  failure?: DecodeFailure;
}

/** A cursor over one chunk. Every read is bounds-checked. */
class Reader {
  pos = 0;
  readonly view: DataView;
  readonly buf: Buffer;

  constructor(data: Uint8Array) {
    this.buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(bytes: number): number {
    const at = this.pos;
    if (at + bytes > this.buf.length) throw truncated(at);
    this.pos = at + bytes;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)]!;
  }
  u16(): number {
    return this.view.getUint16(this.need(2));
  }
  u32(): number {
    return this.view.getUint32(this.need(4));
  }

  /** Peeks at the type byte without consuming it. */
  peek(): number {
    if (this.pos >= this.buf.length) throw truncated(this.pos);
    return this.buf[this.pos]!;
  }

  string(length: number): string {
    const at = this.need(length);
    return this.buf.toString('utf8', at, at + length);
  }

  bytes(length: number): Buffer {
    const at = this.need(length);
    return this.buf.subarray(at, at + length);
  }

  /** Container header: returns the element count, or -1 when not that kind. */
  arrayLength(): number {
    const b = this.peek();
    if (b >= 0x90 && b <= 0x9f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc) return this.pos++, this.u16();
    if (b === 0xdd) return this.pos++, this.u32();
    return -1;
  }

  mapLength(): number {
    const b = this.peek();
    if (b >= 0x80 && b <= 0x8f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xde) return this.pos++, this.u16();
    if (b === 0xdf) return this.pos++, this.u32();
    return -1;
  }

  value(depth: number): unknown {
    const start = this.pos;
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.map(b & 0x0f, depth, start);
    if (b <= 0x9f) return this.array(b & 0x0f, depth, start);
    if (b <= 0xbf) return this.string(b & 0x1f);
    const view = this.view;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bytes(this.u8());
      case 0xc5:
        return this.bytes(this.u16());
      case 0xc6:
        return this.bytes(this.u32());
      case 0xc7:
        return this.ext(this.u8());
      case 0xc8:
        return this.ext(this.u16());
      case 0xc9:
        return this.ext(this.u32());
      case 0xca:
        return view.getFloat32(this.need(4));
      case 0xcb:
        return view.getFloat64(this.need(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        const n = view.getBigUint64(this.need(8));
        return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      case 0xd0:
        return view.getInt8(this.need(1));
      case 0xd1:
        return view.getInt16(this.need(2));
      case 0xd2:
        return view.getInt32(this.need(4));
      case 0xd3: {
        const n = view.getBigInt64(this.need(8));
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xd9:
        return this.string(this.u8());
      case 0xda:
        return this.string(this.u16());
      case 0xdb:
        return this.string(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth, start);
      case 0xdd:
        return this.array(this.u32(), depth, start);
      case 0xde:
        return this.map(this.u16(), depth, start);
      case 0xdf:
        return this.map(this.u32(), depth, start);
      default: // 0xc1
        throw new MsgpackWalkError('byte 0xc1 is never used in MessagePack', start);
    }
  }

  private array(length: number, depth: number, start: number): unknown[] {
    if (depth >= MAX_DEPTH) throw new MsgpackWalkError(`nesting deeper than ${MAX_DEPTH}`, start);
    if (length > this.buf.length - this.pos) throw truncated(start);
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(length: number, depth: number, start: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) throw new MsgpackWalkError(`nesting deeper than ${MAX_DEPTH}`, start);
    if (length * 2 > this.buf.length - this.pos) throw truncated(start);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const rawKey = this.value(depth + 1);
      const key = typeof rawKey === 'string' ? rawKey : Buffer.isBuffer(rawKey) ? rawKey.toString('utf8') : String(rawKey);
      const value = this.value(depth + 1);
      if (key === '__proto__') {
        // A plain assignment would replace the object's prototype.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
    }
    return out;
  }

  private ext(length: number): unknown {
    const type = this.view.getInt8(this.need(1));
    const at = this.need(length);
    if (type === 0 && length === 8) {
      const seconds = this.view.getUint32(at);
      const nanoseconds = this.view.getUint32(at + 4);
      // Inside a record, an ext 0 no EventTime can hold (a group marker's seconds, nanoseconds past 1e9) stays an extension.
      if (seconds <= MAX_EVENT_SECONDS && nanoseconds <= 999_999_999) return new EventTime(seconds, nanoseconds);
    }
    if (type === -1) return timestampExt(this.view, at, length);
    return new MsgpackExtension(type, this.buf.subarray(at, at + length));
  }
}

/** The MessagePack timestamp extension (type -1) in its three sizes, as a Date. */
function timestampExt(view: DataView, at: number, length: number): Date | MsgpackExtension {
  if (length === 4) return new Date(view.getUint32(at) * 1000);
  if (length === 8) {
    const high = view.getUint32(at);
    const low = view.getUint32(at + 4);
    const nanoseconds = high >>> 2;
    const seconds = (high & 0x3) * 0x100000000 + low;
    return new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  }
  if (length === 12) {
    const nanoseconds = view.getUint32(at);
    const seconds = Number(view.getBigInt64(at + 4));
    return new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  }
  // Other sizes are not a timestamp; kept as the extension they are, as Fluent Bit's decoder would.
  return new MsgpackExtension(-1, new Uint8Array(view.buffer, view.byteOffset + at, length));
}

/** The event's timestamp, by the walker's rules. */
function eventTime(reader: Reader): EventTime {
  const at = reader.pos;
  const read = readTimestamp(reader.buf, reader.view, at, 'decode');
  reader.pos = read.end;
  return read.rewrite ?? new EventTime(reader.view.getUint32(at + 2), reader.view.getUint32(at + 6));
}

function readMap(reader: Reader, what: string): Record<string, unknown> {
  const start = reader.pos;
  const length = reader.mapLength();
  if (length < 0) throw new MsgpackWalkError(`${what} must be a map`, start);
  return reader.map(length, 1, start);
}

function readEvent(reader: Reader, tag: string): DecodedEvent {
  const start = reader.pos;
  if (reader.arrayLength() !== 2) throw new MsgpackWalkError('an event must be a 2-element array', start);
  let time: EventTime;
  let metadata: Record<string, unknown> = {};
  const headerStart = reader.pos;
  const headerLength = reader.arrayLength();
  if (headerLength >= 0) {
    if (headerLength !== 2) throw new MsgpackWalkError('a v2 event header must be [timestamp, metadata]', headerStart);
    time = eventTime(reader);
    metadata = readMap(reader, 'event metadata');
  } else {
    time = eventTime(reader);
  }
  return { tag, time, metadata, record: readMap(reader, 'the record') };
}

/** Decodes every event of `data`; see the module comment for the rules. */
export function decodeChunk(data: Uint8Array, tag: string): DecodeResult {
  const reader = new Reader(data);
  const events: DecodedEvent[] = [];
  while (!reader.done) {
    const start = reader.pos;
    try {
      events.push(readEvent(reader, tag));
    } catch (error) {
      if (!(error instanceof MsgpackWalkError || error instanceof RangeError)) throw error;
      // The walker says what is wrong and where; if it finds nothing, this reader disagrees with it (a bug), and says so.
      const failure = eventFailure(data, start, events.length, 'decode') ?? {
        event: events.length,
        offset: error instanceof MsgpackWalkError ? error.offset : reader.pos,
        message: `${error.message} (the event walker accepts this event: a decoder bug)`,
      };
      return { events, failure };
    }
  }
  return { events };
}
