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
import { walkChunk, type ChunkWalk, type EventFormat, type EventLayout } from './event-walker.js';

/** Output event formats: v1 `[EventTime, record]`, v2 `[[EventTime, metadata], record]`. */
export type { EventFormat };

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

/** Walks `data` with the strict policy; throws ChunkError at the first refused event. */
function walkStrict(data: Uint8Array): ChunkWalk {
  const walk = walkChunk(data, 'strict');
  if (walk.failure) throw new ChunkError(walk.failure.message, walk.failure.event, walk.failure.offset);
  return walk;
}

/**
 * Validates raw bytes as an output chunk and returns them as a Chunk in
 * `format`, re-encoding events when their format differs (v2 metadata is
 * dropped on the way to v1). Throws ChunkError naming the event and offset.
 */
export function validateChunk(data: Uint8Array, format: EventFormat = 'v1'): Chunk {
  const { events, hasV1, hasV2 } = walkStrict(data);
  if (format === 'v1' ? !hasV2 : !hasV1) return trustedChunk(data, format, events.length);
  return trustedChunk(reencode(data, events, format), format, events.length);
}

/** Returns `chunk` in `format`, re-encoding only when it differs. */
export function convertChunk(chunk: Chunk, format: EventFormat): Chunk {
  if (chunk.format === format || chunk.events === 0) return chunk;
  const { events } = walkStrict(chunk.data);
  return trustedChunk(reencode(chunk.data, events, format), format, events.length);
}

const EMPTY_MAP = 0x80;

/** The events in `format`, their bytes copied as they are (an ext8 EventTime stays ext8). */
function reencode(data: Uint8Array, events: EventLayout[], format: EventFormat): Uint8Array {
  let size = 0;
  for (const s of events) {
    const recordLength = s.end - s.record;
    const timeLength = s.timeEnd - s.time;
    size += format === 'v1' ? 1 + timeLength + recordLength : 2 + timeLength + metadataLength(s) + recordLength;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const s of events) {
    out[o++] = 0x92;
    if (format === 'v2') out[o++] = 0x92;
    out.set(data.subarray(s.time, s.timeEnd), o);
    o += s.timeEnd - s.time;
    if (format === 'v2') {
      if (s.metadata) {
        out.set(data.subarray(s.metadata[0], s.metadata[1]), o);
        o += s.metadata[1] - s.metadata[0];
      } else {
        out[o++] = EMPTY_MAP;
      }
    }
    out.set(data.subarray(s.record, s.end), o);
    o += s.end - s.record;
  }
  return out;
}

function metadataLength(s: EventLayout): number {
  return s.metadata ? s.metadata[1] - s.metadata[0] : 1;
}

