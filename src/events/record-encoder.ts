/**
 * MessagePack encoding of JS records, written for log records and for what a
 * plugin's decoder can survive.
 *
 * Values follow JSON.stringify's rules, because log records are JSON-shaped
 * and that is what users of a logger expect: `toJSON()` is honoured (a Date
 * becomes its ISO string), `undefined`, functions and symbols are left out
 * of objects and become nil in arrays, NaN and Infinity become nil. Beyond
 * JSON: bigints are 64-bit integers, Uint8Array/Buffer/ArrayBuffer are bin,
 * Maps are maps (string, number or boolean keys) and Sets arrays, and an
 * EventTime inside a record is written as Fluent Bit's EventTime.
 *
 * Ext type 0 is written only for EventTime, 8 bytes, as plugins require.
 *
 * Speed: log records repeat their shapes, so plain objects are written by
 * writers generated per key list (shape-writer.ts), with the top-level
 * record's last shape kept like an inline cache; objects of other shapes
 * use cached key bytes. Short ASCII strings are written byte by byte, and
 * everything goes straight into the growing chunk buffer (no per-record copy).
 */
import { currentEpochMilliseconds, EventTime, nanosecondsOf, secondsOf } from './event-time.js';
import {
  FIXSTR_MAX_LENGTH,
  HEADER_ROOM,
  NUMBER_ROOM,
  writeArrayHeaderAt,
  writeAsciiFixstr,
  writeMapHeaderAt,
  writeNumberAt,
} from './write-at.js';
import { SHAPE_MAX_DEPTH, shapeWriterFor, type ShapeTarget, type ShapeWriter } from './shape-writer.js';

const MAX_DEPTH = SHAPE_MAX_DEPTH;
const KEY_CACHE_LIMIT = 4096;

/**
 * Buffer#utf8Write, the method Buffer#write calls after checking its
 * arguments: for the many short writes of an encoder that checking costs
 * more than the copy. Falls back to Buffer#write where it is missing.
 */
type Utf8Writable = Buffer & { utf8Write?: (value: string, offset: number, length: number) => number };
const writeUtf8: (buffer: Buffer, value: string, offset: number, length: number) => number =
  typeof (Buffer.prototype as Utf8Writable).utf8Write === 'function'
    ? (buffer, value, offset, length) => (buffer as Utf8Writable).utf8Write!(value, offset, length)
    : (buffer, value, offset, length) => buffer.write(value, offset, length, 'utf8');

/** Whether JSON.stringify keeps an object property with this value. */
function isKept(value: unknown): boolean {
  const kind = typeof value;
  return kind !== 'undefined' && kind !== 'function' && kind !== 'symbol';
}

export class RecordEncoder implements ShapeTarget {
  buffer: Buffer;
  view: DataView;
  position = 0;
  private readonly keyCache = new Map<string, Uint8Array>();
  /** The shape writer that wrote the last record, and the last metadata: tried first next time. */
  private recordShape: ShapeWriter | null = null;
  private metadataShape: ShapeWriter | null = null;

  constructor(initialSize = 64 * 1024) {
    // The encode buffer, reused for every batch; takeBytes() copies chunks out of it.
    this.buffer = Buffer.allocUnsafeSlow(initialSize);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /**
   * Hands over what was written, as bytes of its own, and keeps the encode
   * buffer for the next batch.
   *
   * Why a copy: handing over the encode buffer itself gave away its unused
   * tail too. A writer that grew past a 64 KB hand-over mark holds a 128 KB
   * buffer, so queued chunks took about twice the memory the queue limit
   * counts. A copy of the written part is exact, and the reused buffer stays
   * warm in the cache.
   */
  takeBytes(): Uint8Array {
    // One allocation of exactly these bytes, not zero-filled (ArrayBuffer#slice
    // zero-fills its new buffer before copying: a wasted 64 KB memset per
    // lib hand-over), copied natively.
    const copy = Buffer.allocUnsafeSlow(this.position);
    this.buffer.copy(copy, 0, 0, this.position);
    this.position = 0;
    // A plain Uint8Array over it, as chunk data is everywhere else.
    return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
  }

  /** Makes room for `bytes` more bytes. */
  ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.position + bytes) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** Writes a record (a plain object or a Map) as a MessagePack map. */
  writeRecord(record: object): void {
    this.recordShape = this.writeTopLevel(record, this.recordShape);
  }

  /** writeRecord for v2 metadata, which keeps a shape of its own. */
  writeMetadata(metadata: object): void {
    this.metadataShape = this.writeTopLevel(metadata, this.metadataShape);
  }

  /** Tries the shape that wrote the last top-level object first; returns the shape to try next time. */
  private writeTopLevel(object: object, lastShape: ShapeWriter | null): ShapeWriter | null {
    if (object instanceof Map) {
      this.writeMap(object, 0);
      return lastShape;
    }
    if (lastShape !== null && lastShape(this, object, 0)) return lastShape;
    return this.writeObjectLearning(object, 0);
  }

  writeEventTime(seconds: number, nanoseconds: number): void {
    this.ensure(10);
    const b = this.buffer;
    b[this.position] = 0xd7;
    b[this.position + 1] = 0x00;
    this.view.setUint32(this.position + 2, seconds);
    this.view.setUint32(this.position + 6, nanoseconds);
    this.position += 10;
  }

  /** The current time as an EventTime, without a [seconds, nanoseconds] pair: it runs once per pushed record. */
  writeCurrentTime(): void {
    const ms = currentEpochMilliseconds();
    const seconds = secondsOf(ms);
    this.writeEventTime(seconds, nanosecondsOf(ms, seconds));
  }

  writeByte(byte: number): void {
    this.ensure(1);
    this.buffer[this.position++] = byte;
  }

  /** @internal (for shape writers) */
  writeValue(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.writeString(value);
        return;
      case 'number':
        this.writeNumber(value);
        return;
      case 'boolean':
        this.writeByte(value ? 0xc3 : 0xc2);
        return;
      case 'bigint':
        this.writeBigInt(value);
        return;
      case 'object':
        if (value === null) this.writeByte(0xc0);
        else this.writeObjectValue(value, depth);
        return;
      default: // undefined, function, symbol: nil, as JSON does inside arrays
        this.writeByte(0xc0);
    }
  }

  /**
   * @internal (for shape writers) An object value inside a record. Returns
   * the shape writer that wrote it, if any, for the caller to try first
   * next time.
   */
  writeObjectValue(value: object, depth: number): ShapeWriter | null {
    if (depth >= MAX_DEPTH) throw new TypeError(`nesting deeper than ${MAX_DEPTH} (a circular reference?)`);
    if (Array.isArray(value)) {
      this.writeArrayHeader(value.length);
      for (const item of value) this.writeValue(item, depth + 1);
    } else if (value instanceof Uint8Array) {
      this.writeBin(value);
    } else if (value instanceof EventTime) {
      this.writeEventTime(value.seconds, value.nanoseconds);
    } else if (value instanceof ArrayBuffer) {
      this.writeBin(new Uint8Array(value));
    } else if (ArrayBuffer.isView(value)) {
      this.writeBin(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    } else if (value instanceof Map) {
      this.writeMap(value, depth + 1);
    } else if (value instanceof Set) {
      this.writeArrayHeader(value.size);
      for (const item of value) this.writeValue(item, depth + 1);
    } else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      this.writeValue((value as { toJSON(): unknown }).toJSON(), depth + 1);
    } else {
      return this.writeObjectLearning(value, depth + 1);
    }
    return null;
  }

  /** A plain object through its shape writer once it has one, else the general way. */
  private writeObjectLearning(object: object, depth: number): ShapeWriter | null {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto === Object.prototype || proto === null) {
      const writer = shapeWriterFor(object, this);
      if (writer !== null && writer(this, object, depth)) return writer;
    }
    this.writeObject(object as Record<string, unknown>, depth);
    return null;
  }

  private writeObject(object: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(object);
    // JSON leaves out undefined, functions and symbols: count what is kept
    // first, so the map header can be written before the entries. Each
    // property is read once: a getter read twice could answer differently
    // and leave the header's count wrong, corrupting the chunk.
    const values = new Array<unknown>(keys.length);
    let count = 0;
    for (let i = 0; i < keys.length; i++) {
      const value = object[keys[i]!];
      values[i] = value;
      if (isKept(value)) count++;
    }
    this.writeMapHeader(count);
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (!isKept(value)) continue;
      this.writeKey(keys[i]!);
      this.writeValue(value, depth);
    }
  }

  private writeMap(map: Map<unknown, unknown>, depth: number): void {
    this.writeMapHeader(map.size);
    for (const [key, value] of map) {
      const kind = typeof key;
      if (kind === 'string') this.writeKey(key as string);
      else if (kind === 'number' || kind === 'boolean' || kind === 'bigint') this.writeValue(key, depth);
      else throw new TypeError(`a Map key must be a string, number, bigint or boolean; got ${key === null ? 'null' : kind}`);
      this.writeValue(value, depth);
    }
  }

  /**
   * The MessagePack bytes of a key, cached. Shape writers bake these same
   * bytes into their code, so both paths agree on the str header too.
   */
  encodedKey(key: string): Uint8Array {
    let encoded = this.keyCache.get(key);
    if (encoded === undefined) {
      const start = this.position;
      this.writeString(key);
      // A copy: Buffer#subarray would be a view into the reused encode buffer.
      encoded = new Uint8Array(this.buffer.subarray(start, this.position));
      this.position = start;
      if (this.keyCache.size < KEY_CACHE_LIMIT) this.keyCache.set(key, encoded);
    }
    return encoded;
  }

  private writeKey(key: string): void {
    const encoded = this.encodedKey(key);
    const length = encoded.length;
    this.ensure(length);
    const b = this.buffer;
    const p = this.position;
    // Keys are short: a byte loop beats TypedArray#set's call overhead.
    for (let i = 0; i < length; i++) b[p + i] = encoded[i]!;
    this.position = p + length;
  }

  /** @internal (for shape writers) */
  writeString(value: string): void {
    const length = value.length;
    if (length <= FIXSTR_MAX_LENGTH) {
      this.ensure(1 + length);
      const next = writeAsciiFixstr(this.buffer, this.position, value);
      if (next >= 0) {
        this.position = next;
        return;
      }
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: size the header for that.
    const maxBytes = length * 3;
    const headerSize = maxBytes < 32 ? 1 : maxBytes < 0x100 ? 2 : maxBytes < 0x10000 ? 3 : 5;
    this.ensure(headerSize + maxBytes);
    const start = this.position;
    const written = writeUtf8(this.buffer, value, start + headerSize, maxBytes);
    const b = this.buffer;
    if (headerSize === 1) b[start] = 0xa0 | written;
    else if (headerSize === 2) {
      b[start] = 0xd9;
      b[start + 1] = written;
    } else if (headerSize === 3) {
      b[start] = 0xda;
      this.view.setUint16(start + 1, written);
    } else {
      b[start] = 0xdb;
      this.view.setUint32(start + 1, written);
    }
    this.position = start + headerSize + written;
  }

  private writeNumber(value: number): void {
    this.ensure(NUMBER_ROOM);
    this.position = writeNumberAt(this.buffer, this.view, this.position, value);
  }

  private writeBigInt(value: bigint): void {
    this.ensure(9);
    if (value >= 0n && value < 2n ** 64n) {
      this.buffer[this.position] = 0xcf;
      this.view.setBigUint64(this.position + 1, value);
    } else if (value < 0n && value >= -(2n ** 63n)) {
      this.buffer[this.position] = 0xd3;
      this.view.setBigInt64(this.position + 1, value);
    } else {
      throw new RangeError(`${value} does not fit in a 64-bit MessagePack integer`);
    }
    this.position += 9;
  }

  private writeBin(bytes: Uint8Array): void {
    const length = bytes.length;
    this.ensure(5 + length);
    const b = this.buffer;
    if (length < 0x100) {
      b[this.position++] = 0xc4;
      b[this.position++] = length;
    } else if (length < 0x10000) {
      b[this.position] = 0xc5;
      this.view.setUint16(this.position + 1, length);
      this.position += 3;
    } else {
      b[this.position] = 0xc6;
      this.view.setUint32(this.position + 1, length);
      this.position += 5;
    }
    b.set(bytes, this.position);
    this.position += length;
  }

  private writeArrayHeader(length: number): void {
    this.ensure(HEADER_ROOM);
    this.position = writeArrayHeaderAt(this.buffer, this.view, this.position, length);
  }

  private writeMapHeader(length: number): void {
    this.ensure(HEADER_ROOM);
    this.position = writeMapHeaderAt(this.buffer, this.view, this.position, length);
  }
}
