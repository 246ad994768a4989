/**
 * The one definition of a Fluent Bit event and of why one is refused. Every
 * path that walks event bytes goes through here: the output validator
 * (chunk.ts), input normalisation (normalize.ts), the JS decoder
 * (decoder.ts, for its timestamps and its failure reports), and, mirrored
 * line for line, the input thread's check (native/chunk_check.cc). The
 * shared corpus in test/fixtures/chunks/ runs all of them on the same bytes.
 *
 * An event is `[timestamp, record]` (v1) or `[[timestamp, metadata], record]`
 * (v2), events laid end to end with no outer array. What is accepted depends
 * on the policy:
 *
 * - `strict` (what goes to output plugins): the timestamp must be an EventTime
 *   (ext type 0, 8 bytes, fixext8 or ext8); values inside must be safe for a
 *   Go decoder (msgpack-walk.ts's skipValue).
 * - `lenient` (what comes from input plugins, normalised for outputs): as
 *   Fluent Bit's decoder, the timestamp may also be non-negative integer or
 *   float seconds; every timestamp that is not a fixext8 EventTime gets a
 *   `rewrite` (the EventTime it means). Values inside stay Go-safe because
 *   the normalised bytes go on to outputs.
 * - `decode` (decoding to JS objects): timestamps as `lenient`; values inside
 *   need only be well-formed MessagePack, as Fluent Bit's decoder reads any.
 *
 * Group markers (EventTime seconds 0xFFFFFFFF/0xFFFFFFFE, i.e. -1/-2 as int32)
 * and EventTime nanoseconds over 999999999 are refused under every policy:
 * flbhost's EventTime cannot carry them, and a Go output must not get them.
 *
 * Cost (3.3 MB of 20,000 typical records, CPU-time medians, before → after
 * this walker replaced the per-file walks): validateChunk v1 161-174 →
 * 189-196 MB/s, v2→v1 re-encoding 122-131 → 144-149 MB/s, normalisation
 * 223-293 → 223-267 MB/s (noise on a shared machine; no slowdown measured).
 */
import { EventTime, MAX_EVENT_SECONDS } from './event-time.js';
import { describeAt, MsgpackWalkError, readHead, skipValue, truncated, type Head } from './msgpack-walk.js';

export type WalkPolicy = 'strict' | 'lenient' | 'decode';

export type EventFormat = 'v1' | 'v2';

/** Where the parts of one event are; enough to re-encode it without decoding. */
export interface EventLayout {
  format: EventFormat;
  /** The timestamp's first byte and the byte after it. */
  time: number;
  timeEnd: number;
  /** Set when the timestamp must be rewritten as fixext8 (lenient and decode only, or ext8). */
  rewrite?: EventTime;
  /** v2 only: the metadata map's first byte and the byte after it. */
  metadata?: [number, number];
  record: number;
  end: number;
}

/** The first malformed event of a chunk: its index, the byte where it failed, and why. */
export interface EventFailure {
  event: number;
  offset: number;
  message: string;
}

// The failure messages, one place. native/chunk_check.cc builds the same
// strings; the corpus test compares them byte for byte.
export const messages = {
  notAnEvent: (got: string) => `an event must be a 2-element array; got ${got}`,
  notAV2Header: (got: string) => `a v2 event header must be [timestamp, metadata]; got ${got}`,
  strictTimestamp: (got: string) => `the timestamp must be an EventTime (ext type 0, 8 bytes); got ${got}`,
  lenientTimestamp: (got: string) => `the timestamp must be an EventTime (ext type 0, 8 bytes), integer or float seconds; got ${got}`,
  groupMarker: () => 'group marker events (EventTime seconds 0xFFFFFFFE/0xFFFFFFFF) are not passed to plugins',
  nanoseconds: (n: number) => `EventTime nanoseconds ${n} are over 999999999`,
  intOutOfRange: (value: bigint | number) => `the timestamp ${value} is not a time flbhost can carry (0 to ${MAX_EVENT_SECONDS} seconds)`,
  floatOutOfRange: () => `the float timestamp is not a time flbhost can carry (0 to ${MAX_EVENT_SECONDS} seconds)`,
  metadataNotAMap: (got: string) => `event metadata must be a map; got ${got}`,
  recordNotAMap: (got: string) => `the record must be a map; got ${got}`,
};

/** What readTimestamp found: where the timestamp ends, and the EventTime to write when it is not fixext8. */
export interface TimestampRead {
  end: number;
  rewrite?: EventTime;
}

/**
 * Reads the timestamp at `offset` under `policy`. `view` covers the same
 * bytes as `data` (callers make one per chunk, not per event).
 */
export function readTimestamp(data: Uint8Array, view: DataView, offset: number, policy: WalkPolicy): TimestampRead {
  if (offset >= data.length) throw truncated(offset);
  const b = data[offset]!;
  // The common case first: fixext8 ext 0.
  if (b === 0xd7 || b === 0xc7) {
    const head = readHead(data, offset);
    if (head.kind === 'ext' && head.type === 0 && head.length === 8) {
      const end = head.next + 8;
      if (end > data.length) throw truncated(offset);
      const seconds = view.getUint32(head.next);
      if (seconds > MAX_EVENT_SECONDS) throw new MsgpackWalkError(messages.groupMarker(), offset);
      const nanoseconds = view.getUint32(head.next + 4);
      if (nanoseconds > 999_999_999) throw new MsgpackWalkError(messages.nanoseconds(nanoseconds), offset);
      // fixext8 (d7 00) is canonical; ext8 (c7 08 00) is rewritten where bytes are normalised.
      return b === 0xd7 ? { end } : { end, rewrite: new EventTime(seconds, nanoseconds) };
    }
  }
  if (policy === 'strict' || b === 0xc1) {
    const got = describeAt(data, offset);
    throw new MsgpackWalkError(policy === 'strict' ? messages.strictTimestamp(got) : messages.lenientTimestamp(got), offset);
  }
  const head = readHead(data, offset);
  if (head.kind === 'int') {
    const end = skipValue(data, offset);
    const value = intAt(data, view, offset);
    if (value < 0 || value > MAX_EVENT_SECONDS) throw new MsgpackWalkError(messages.intOutOfRange(value), offset);
    return { end, rewrite: new EventTime(Number(value), 0) };
  }
  if (head.kind === 'float') {
    const end = skipValue(data, offset);
    const value = b === 0xca ? view.getFloat32(offset + 1) : view.getFloat64(offset + 1);
    if (!(value >= 0 && value <= MAX_EVENT_SECONDS)) throw new MsgpackWalkError(messages.floatOutOfRange(), offset);
    const seconds = Math.floor(value);
    return { end, rewrite: new EventTime(seconds, Math.min(999_999_999, Math.round((value - seconds) * 1e9))) };
  }
  throw new MsgpackWalkError(messages.lenientTimestamp(describeAt(data, offset)), offset);
}

/** The integer at `offset` (its bounds already checked); 64-bit ones as bigint when they do not fit a double exactly. */
function intAt(data: Uint8Array, view: DataView, offset: number): number | bigint {
  const b = data[offset]!;
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  switch (b) {
    case 0xcc:
      return data[offset + 1]!;
    case 0xcd:
      return view.getUint16(offset + 1);
    case 0xce:
      return view.getUint32(offset + 1);
    case 0xcf:
      return view.getBigUint64(offset + 1);
    case 0xd0:
      return view.getInt8(offset + 1);
    case 0xd1:
      return view.getInt16(offset + 1);
    case 0xd2:
      return view.getInt32(offset + 1);
    default: // 0xd3
      return view.getBigInt64(offset + 1);
  }
}

/**
 * The header of the value at `offset` where the event's shape expects a
 * given kind; undefined for byte 0xc1, so that the caller says what it
 * expected and got ("...; got byte 0xc1") rather than only that the byte is
 * invalid. Truncation still throws.
 */
function shapeAt(data: Uint8Array, offset: number): Head | undefined {
  return data[offset] === 0xc1 ? undefined : readHead(data, offset);
}

/** Walks the event at `start`; throws MsgpackWalkError at the first thing `policy` refuses. */
export function walkEvent(data: Uint8Array, view: DataView, start: number, policy: WalkPolicy): EventLayout {
  const goSafe = policy !== 'decode';
  const outer = shapeAt(data, start);
  if (outer?.kind !== 'array' || outer.count !== 2) throw new MsgpackWalkError(messages.notAnEvent(describeAt(data, start)), start);
  const header = outer.next;
  const first = shapeAt(data, header);
  let layout: EventLayout;
  let recordStart: number;
  if (first?.kind === 'array') {
    if (first.count !== 2) throw new MsgpackWalkError(messages.notAV2Header(describeAt(data, header)), header);
    const time = first.next;
    const ts = readTimestamp(data, view, time, policy);
    const metadataStart = ts.end;
    if (shapeAt(data, metadataStart)?.kind !== 'map') {
      throw new MsgpackWalkError(messages.metadataNotAMap(describeAt(data, metadataStart)), metadataStart);
    }
    recordStart = skipValue(data, metadataStart, 1, goSafe);
    layout = { format: 'v2', time, timeEnd: ts.end, rewrite: ts.rewrite, metadata: [metadataStart, recordStart], record: 0, end: 0 };
  } else {
    const ts = readTimestamp(data, view, header, policy);
    recordStart = ts.end;
    layout = { format: 'v1', time: header, timeEnd: ts.end, rewrite: ts.rewrite, record: 0, end: 0 };
  }
  if (shapeAt(data, recordStart)?.kind !== 'map') {
    throw new MsgpackWalkError(messages.recordNotAMap(describeAt(data, recordStart)), recordStart);
  }
  layout.record = recordStart;
  layout.end = skipValue(data, recordStart, 1, goSafe);
  return layout;
}

/** Every event of a chunk up to the first malformed one. */
export interface ChunkWalk {
  events: EventLayout[];
  /** Length of the valid leading events, in the original bytes. */
  validBytes: number;
  hasV1: boolean;
  hasV2: boolean;
  failure?: EventFailure;
}

export function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** Walks `data` event by event; keeps the valid leading events and reports the first failure. */
export function walkChunk(data: Uint8Array, policy: WalkPolicy): ChunkWalk {
  const view = viewOf(data);
  const events: EventLayout[] = [];
  let offset = 0;
  let hasV1 = false;
  let hasV2 = false;
  while (offset < data.length) {
    let layout: EventLayout;
    try {
      layout = walkEvent(data, view, offset, policy);
    } catch (error) {
      if (!(error instanceof MsgpackWalkError)) throw error;
      return { events, validBytes: offset, hasV1, hasV2, failure: { event: events.length, offset: error.offset, message: error.message } };
    }
    events.push(layout);
    if (layout.format === 'v1') hasV1 = true;
    else hasV2 = true;
    offset = layout.end;
  }
  return { events, validBytes: offset, hasV1, hasV2 };
}

/** Why the event at `start` is refused under `policy`, or undefined if it is not. */
export function eventFailure(data: Uint8Array, start: number, index: number, policy: WalkPolicy): EventFailure | undefined {
  try {
    walkEvent(data, viewOf(data), start, policy);
    return undefined;
  } catch (error) {
    if (!(error instanceof MsgpackWalkError)) throw error;
    return { event: index, offset: error.offset, message: error.message };
  }
}
