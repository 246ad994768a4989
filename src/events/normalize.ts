/**
 * Makes raw event bytes from an input safe and uniform for outputs, without
 * decoding records: the shared event walker (event-walker.ts, `lenient`
 * policy) checks every event, and timestamps that are not a fixext8
 * EventTime (integer or float seconds, ext8 EventTime) are rewritten as one.
 * Bytes are copied only when something had to be rewritten.
 *
 * Like the decoder, it keeps the valid events before the first malformed one
 * and reports the failure instead of throwing. native/chunk_check.cc does the
 * same on the input thread for .so inputs; the corpus test keeps them equal.
 */
import { trustedChunk, validateChunk, type Chunk } from './chunk.js';
import { writeEventTime } from './event-time.js';
import { walkChunk, type EventFailure, type EventLayout } from './event-walker.js';

export interface NormalizeResult {
  /** v1 and v2 events as they came (a v2 output converts on its own). */
  chunk: Chunk;
  failure?: EventFailure;
}

export function normalizeInputChunk(data: Uint8Array): NormalizeResult {
  const walk = walkChunk(data, 'lenient');
  const valid = data.subarray(0, walk.validBytes);
  const bytes = rewriteTimestamps(valid, walk.events);
  // A chunk carries one format; the rare plugin that mixes both is made v2.
  const chunk =
    walk.hasV1 && walk.hasV2 ? validateChunk(bytes, 'v2') : trustedChunk(bytes, walk.hasV2 ? 'v2' : 'v1', walk.events.length);
  return walk.failure ? { chunk, failure: walk.failure } : { chunk };
}

/** `data` (the walked events) with every timestamp that has a rewrite written as fixext8; `data` itself when none has. */
export function rewriteTimestamps(data: Uint8Array, events: EventLayout[]): Uint8Array {
  if (!events.some((e) => e.rewrite)) return data;
  let size = data.length;
  for (const e of events) if (e.rewrite) size += 10 - (e.timeEnd - e.time);
  const out = new Uint8Array(size);
  let from = 0;
  let to = 0;
  for (const e of events) {
    if (!e.rewrite) continue;
    out.set(data.subarray(from, e.time), to);
    to += e.time - from;
    to = writeEventTime(out, to, e.rewrite);
    from = e.timeEnd;
  }
  out.set(data.subarray(from), to);
  return out;
}
