/**
 * Chunks: what an output's flush receives. A chunk is concatenated MessagePack
 * events, each `[EventTime, record]` (v1) or `[[EventTime, metadata], record]`
 * (v2), with no outer array.
 *
 * A `Chunk` object is proof that its bytes are safe to hand to a plugin:
 * only the encoder (which writes well-formed events by construction) and
 * `validateChunk` make one. Flushing raw bytes validates them first; flushing
 * a Chunk skips the walk, which is what keeps the flush path cheap.
 */
import { ChunkError } from '../errors.js';
import { describeAt, MsgpackWalkError, readHead, skipValue } from './msgpack-walk.js';

/** Output event formats: v1 `[EventTime, record]`, v2 `[[EventTime, metadata], record]`. */
export type EventFormat = 'v1' | 'v2';

const validated: unique symbol = Symbol('flbhost.validatedChunk');

export interface Chunk {
  readonly data: Uint8Array;
  readonly format: EventFormat;
  readonly events: number;
  readonly [validated]: true;
}

/** Makes a Chunk. Only for bytes known to be valid (encoder, validator, converter). */
export function trustedChunk(data: Uint8Array, format: EventFormat, events: number): Chunk {
  return { data, format, events, [validated]: true };
}

export function isChunk(value: unknown): value is Chunk {
  return typeof value === 'object' && value !== null && (value as Chunk)[validated] === true;
}

/** Byte ranges of one event, for re-encoding without decoding. */
interface EventSpan {
  time: number; // offset of the 10-byte EventTime
  timeLength: number;
  metadata?: [number, number];
  record: [number, number];
}


/** Checks the EventTime at `offset`; returns its encoded length. */
function checkEventTime(data: Uint8Array, offset: number): number {
  const head = readHead(data, offset);
  if (head.kind !== 'ext' || head.type !== 0 || head.length !== 8) {
    throw new MsgpackWalkError(
      `the timestamp must be an EventTime (ext type 0, 8 bytes); got ${describeAt(data, offset)}`,
      offset,
    );
  }
  if (head.next + 8 > data.length) throw new MsgpackWalkError('MessagePack value is truncated', offset);
  const seconds = new DataView(data.buffer, data.byteOffset + head.next, 4).getUint32(0);
  if (seconds >= 0xfffffffe) {
    throw new MsgpackWalkError(
      'group marker events (EventTime seconds 0xFFFFFFFE/0xFFFFFFFF) are not passed to plugins',
      offset,
    );
  }
  return head.next + 8 - offset;
}

function walkEvent(data: Uint8Array, start: number): { span: EventSpan; format: EventFormat; end: number } {
  const outer = readHead(data, start);
  if (outer.kind !== 'array' || outer.count !== 2) {
    throw new MsgpackWalkError(`an event must be a 2-element array; got ${describeAt(data, start)}`, start);
  }
  let offset = outer.next;
  const first = readHead(data, offset);
  let span: EventSpan;
  let format: EventFormat;
  if (first.kind === 'array') {
    if (first.count !== 2) {
      throw new MsgpackWalkError(`a v2 event header must be [EventTime, metadata]; got ${describeAt(data, offset)}`, offset);
    }
    const time = first.next;
    const timeLength = checkEventTime(data, time);
    const metadataStart = time + timeLength;
    if (readHead(data, metadataStart).kind !== 'map') {
      throw new MsgpackWalkError(`event metadata must be a map; got ${describeAt(data, metadataStart)}`, metadataStart);
    }
    offset = skipValue(data, metadataStart);
    span = { time, timeLength, metadata: [metadataStart, offset], record: [0, 0] };
    format = 'v2';
  } else {
    const timeLength = checkEventTime(data, offset);
    span = { time: offset, timeLength, record: [0, 0] };
    offset += timeLength;
    format = 'v1';
  }
  if (readHead(data, offset).kind !== 'map') {
    throw new MsgpackWalkError(`the record must be a map; got ${describeAt(data, offset)}`, offset);
  }
  const end = skipValue(data, offset);
  span.record = [offset, end];
  return { span, format, end };
}

function walkChunk(data: Uint8Array): { spans: EventSpan[]; formats: Set<EventFormat> } {
  const spans: EventSpan[] = [];
  const formats = new Set<EventFormat>();
  let offset = 0;
  while (offset < data.length) {
    try {
      const event = walkEvent(data, offset);
      spans.push(event.span);
      formats.add(event.format);
      offset = event.end;
    } catch (error) {
      if (error instanceof MsgpackWalkError) throw new ChunkError(error.message, spans.length, error.offset);
      throw error;
    }
  }
  return { spans, formats };
}

/**
 * Validates raw bytes as an output chunk and returns them as a Chunk in
 * `format`, re-encoding events when their format differs (v2 metadata is
 * dropped on the way to v1). Throws ChunkError naming the event and offset.
 */
export function validateChunk(data: Uint8Array, format: EventFormat = 'v1'): Chunk {
  const { spans, formats } = walkChunk(data);
  if (formats.size === 0 || (formats.size === 1 && formats.has(format))) {
    return trustedChunk(data, format, spans.length);
  }
  return trustedChunk(reencode(data, spans, format), format, spans.length);
}

/** Returns `chunk` in `format`, re-encoding only when it differs. */
export function convertChunk(chunk: Chunk, format: EventFormat): Chunk {
  if (chunk.format === format || chunk.events === 0) return chunk;
  const { spans } = walkChunk(chunk.data);
  return trustedChunk(reencode(chunk.data, spans, format), format, spans.length);
}

const EMPTY_MAP = 0x80;

function reencode(data: Uint8Array, spans: EventSpan[], format: EventFormat): Uint8Array {
  let size = 0;
  for (const s of spans) {
    const recordLength = s.record[1] - s.record[0];
    size += format === 'v1' ? 1 + s.timeLength + recordLength : 2 + s.timeLength + metadataLength(s) + recordLength;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const s of spans) {
    out[o++] = 0x92;
    if (format === 'v2') out[o++] = 0x92;
    out.set(data.subarray(s.time, s.time + s.timeLength), o);
    o += s.timeLength;
    if (format === 'v2') {
      if (s.metadata) {
        out.set(data.subarray(s.metadata[0], s.metadata[1]), o);
        o += s.metadata[1] - s.metadata[0];
      } else {
        out[o++] = EMPTY_MAP;
      }
    }
    out.set(data.subarray(s.record[0], s.record[1]), o);
    o += s.record[1] - s.record[0];
  }
  return out;
}

function metadataLength(s: EventSpan): number {
  return s.metadata ? s.metadata[1] - s.metadata[0] : 1;
}

