/**
 * Makes raw event bytes from an input safe and uniform for outputs, without
 * decoding records: every event is checked (as the output validator does),
 * and timestamps that are not an 8-byte EventTime (integer or float
 * seconds, ext8 EventTime) are rewritten as fixext8 EventTime. Bytes are
 * copied only when something had to be rewritten.
 *
 * Like the decoder, it keeps the valid events before the first malformed one
 * and reports the failure instead of throwing.
 */
import { trustedChunk, validateChunk, type Chunk } from './chunk.js';
import { EventTime, MAX_EVENT_SECONDS, writeEventTime } from './event-time.js';
import { describeAt, MsgpackWalkError, readHead, skipValue } from './msgpack-walk.js';
import type { DecodeFailure } from './decoder.js';

export interface NormalizeResult {
  /** v1 and v2 events as they came (a v2 output converts on its own). */
  chunk: Chunk;
  failure?: DecodeFailure;
}

/** Reads a timestamp at `offset`; returns the EventTime and where it ends, or undefined if it is fixext8 ext 0 already. */
function readTimestamp(data: Uint8Array, offset: number): { time?: EventTime; end: number } {
  const head = readHead(data, offset);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (head.kind === 'ext' && head.type === 0 && head.length === 8) {
    const end = head.next + 8;
    if (end > data.length) throw new MsgpackWalkError('MessagePack value is truncated', offset);
    const seconds = view.getUint32(head.next);
    if (seconds > MAX_EVENT_SECONDS) throw new MsgpackWalkError(`EventTime seconds ${seconds} is out of range`, offset);
    // fixext8 (d7 00) is already canonical; ext8 (c7 08 00) is rewritten.
    return data[offset] === 0xd7 ? { end } : { time: new EventTime(seconds, view.getUint32(head.next + 4)), end };
  }
  if (head.kind === 'int' || head.kind === 'float') {
    const end = skipValue(data, offset);
    const b = data[offset]!;
    let value: number;
    if (b <= 0x7f) value = b;
    else if (b === 0xcc) value = data[offset + 1]!;
    else if (b === 0xcd) value = view.getUint16(offset + 1);
    else if (b === 0xce) value = view.getUint32(offset + 1);
    else if (b === 0xcf) value = Number(view.getBigUint64(offset + 1));
    else if (b === 0xca) value = view.getFloat32(offset + 1);
    else if (b === 0xcb) value = view.getFloat64(offset + 1);
    else if (b === 0xd0) value = view.getInt8(offset + 1);
    else if (b === 0xd1) value = view.getInt16(offset + 1);
    else if (b === 0xd2) value = view.getInt32(offset + 1);
    else if (b === 0xd3) value = Number(view.getBigInt64(offset + 1));
    else value = b - 0x100; // negative fixint
    if (!(value >= 0 && value <= MAX_EVENT_SECONDS)) {
      throw new MsgpackWalkError(`the timestamp ${value} is not a time flbhost can carry (0 to ${MAX_EVENT_SECONDS} seconds)`, offset);
    }
    const seconds = Math.floor(value);
    return { time: new EventTime(seconds, Math.min(999_999_999, Math.round((value - seconds) * 1e9))), end };
  }
  throw new MsgpackWalkError(`the timestamp must be an EventTime, integer or float seconds; got ${describeAt(data, offset)}`, offset);
}

interface Rewrite {
  /** Where the original timestamp starts and ends. */
  start: number;
  end: number;
  time: EventTime;
}

export function normalizeInputChunk(data: Uint8Array): NormalizeResult {
  const rewrites: Rewrite[] = [];
  let offset = 0;
  let events = 0;
  let failure: DecodeFailure | undefined;
  let sawV1 = false;
  let sawV2 = false;
  while (offset < data.length) {
    const start = offset;
    try {
      const outer = readHead(data, offset);
      if (outer.kind !== 'array' || outer.count !== 2) {
        throw new MsgpackWalkError(`an event must be a 2-element array; got ${describeAt(data, offset)}`, offset);
      }
      let at = outer.next;
      const first = readHead(data, at);
      if (first.kind === 'array') {
        if (first.count !== 2) throw new MsgpackWalkError('a v2 event header must be [timestamp, metadata]', at);
        const ts = readTimestamp(data, first.next);
        if (ts.time) rewrites.push({ start: first.next, end: ts.end, time: ts.time });
        if (readHead(data, ts.end).kind !== 'map') throw new MsgpackWalkError(`event metadata must be a map; got ${describeAt(data, ts.end)}`, ts.end);
        at = skipValue(data, ts.end);
        sawV2 = true;
      } else {
        const ts = readTimestamp(data, at);
        if (ts.time) rewrites.push({ start: at, end: ts.end, time: ts.time });
        at = ts.end;
        sawV1 = true;
      }
      if (readHead(data, at).kind !== 'map') throw new MsgpackWalkError(`the record must be a map; got ${describeAt(data, at)}`, at);
      offset = skipValue(data, at);
      events++;
    } catch (error) {
      if (!(error instanceof MsgpackWalkError)) throw error;
      failure = { event: events, offset: error.offset, message: error.message };
      // Forget rewrites inside the event that failed.
      while (rewrites.length > 0 && rewrites[rewrites.length - 1]!.start >= start) rewrites.pop();
      offset = start;
      break;
    }
  }
  const valid = data.subarray(0, offset);
  const bytes = rewrites.length === 0 ? valid : applyRewrites(valid, rewrites);
  // A chunk carries one format; the rare plugin that mixes both is made v2.
  const chunk = sawV1 && sawV2 ? validateChunk(bytes, 'v2') : trustedChunk(bytes, sawV2 ? 'v2' : 'v1', events);
  return failure ? { chunk, failure } : { chunk };
}

function applyRewrites(data: Uint8Array, rewrites: Rewrite[]): Uint8Array {
  let size = data.length;
  for (const r of rewrites) size += 10 - (r.end - r.start);
  const out = new Uint8Array(size);
  let from = 0;
  let to = 0;
  for (const r of rewrites) {
    out.set(data.subarray(from, r.start), to);
    to += r.start - from;
    to = writeEventTime(out, to, r.time);
    from = r.end;
  }
  out.set(data.subarray(from), to);
  return out;
}
