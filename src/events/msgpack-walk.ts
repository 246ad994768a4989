/**
 * A bounds-checked MessagePack walker. It decodes nothing: it steps over
 * values and checks that each one is complete, well-formed and safe for a
 * plugin's decoder. It is the gate between untrusted bytes and plugin code,
 * where a malformed value is not an error but a process abort (fluent-bit-go
 * panics, and an unrecovered Go panic ends the whole process).
 */

/** Why and where a walk stopped. */
export class MsgpackWalkError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Nesting deeper than this is refused rather than risk a plugin's decoder stack. */
export const MAX_DEPTH = 100;

/** Read a big-endian unsigned integer of `bytes` bytes (1, 2 or 4). */
function readUint(buf: Uint8Array, offset: number, bytes: 1 | 2 | 4): number {
  if (offset + bytes > buf.length) throw truncated(offset);
  if (bytes === 1) return buf[offset]!;
  if (bytes === 2) return (buf[offset]! << 8) | buf[offset + 1]!;
  return buf[offset]! * 0x1000000 + ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!);
}

/** The message of a value cut off by the end of the data (a stream reader waits for more on it). */
export const TRUNCATED_MESSAGE = 'MessagePack value is truncated';

export function truncated(offset: number): MsgpackWalkError {
  return new MsgpackWalkError(TRUNCATED_MESSAGE, offset);
}

/** The shape of the value whose first byte is at `offset`. */
export type Head =
  | { kind: 'map' | 'array'; count: number; next: number }
  | { kind: 'ext'; type: number; length: number; next: number }
  | { kind: 'str' | 'bin'; length: number; next: number }
  | { kind: 'nil' | 'bool' | 'int' | 'float'; next: number };

/**
 * Reads the header of the value at `offset`. For str/bin/ext, `next` is where
 * the payload starts; for map/array, where the first element starts; for
 * scalars, the offset after the value.
 */
export function readHead(buf: Uint8Array, offset: number): Head {
  if (offset >= buf.length) throw truncated(offset);
  const b = buf[offset]!;
  if (b <= 0x7f || b >= 0xe0) return { kind: 'int', next: offset + 1 };
  if (b <= 0x8f) return { kind: 'map', count: b & 0x0f, next: offset + 1 };
  if (b <= 0x9f) return { kind: 'array', count: b & 0x0f, next: offset + 1 };
  if (b <= 0xbf) return { kind: 'str', length: b & 0x1f, next: offset + 1 };
  switch (b) {
    case 0xc0:
      return { kind: 'nil', next: offset + 1 };
    case 0xc1:
      throw new MsgpackWalkError('byte 0xc1 is never used in MessagePack', offset);
    case 0xc2:
    case 0xc3:
      return { kind: 'bool', next: offset + 1 };
    case 0xc4:
      return { kind: 'bin', length: readUint(buf, offset + 1, 1), next: offset + 2 };
    case 0xc5:
      return { kind: 'bin', length: readUint(buf, offset + 1, 2), next: offset + 3 };
    case 0xc6:
      return { kind: 'bin', length: readUint(buf, offset + 1, 4), next: offset + 5 };
    case 0xc7:
      return { kind: 'ext', length: readUint(buf, offset + 1, 1), type: signedType(buf, offset + 2), next: offset + 3 };
    case 0xc8:
      return { kind: 'ext', length: readUint(buf, offset + 1, 2), type: signedType(buf, offset + 3), next: offset + 4 };
    case 0xc9:
      return { kind: 'ext', length: readUint(buf, offset + 1, 4), type: signedType(buf, offset + 5), next: offset + 6 };
    case 0xca:
      return { kind: 'float', next: offset + 5 };
    case 0xcb:
      return { kind: 'float', next: offset + 9 };
    case 0xcc:
    case 0xd0:
      return { kind: 'int', next: offset + 2 };
    case 0xcd:
    case 0xd1:
      return { kind: 'int', next: offset + 3 };
    case 0xce:
    case 0xd2:
      return { kind: 'int', next: offset + 5 };
    case 0xcf:
    case 0xd3:
      return { kind: 'int', next: offset + 9 };
    case 0xd4:
      return { kind: 'ext', length: 1, type: signedType(buf, offset + 1), next: offset + 2 };
    case 0xd5:
      return { kind: 'ext', length: 2, type: signedType(buf, offset + 1), next: offset + 2 };
    case 0xd6:
      return { kind: 'ext', length: 4, type: signedType(buf, offset + 1), next: offset + 2 };
    case 0xd7:
      return { kind: 'ext', length: 8, type: signedType(buf, offset + 1), next: offset + 2 };
    case 0xd8:
      return { kind: 'ext', length: 16, type: signedType(buf, offset + 1), next: offset + 2 };
    case 0xd9:
      return { kind: 'str', length: readUint(buf, offset + 1, 1), next: offset + 2 };
    case 0xda:
      return { kind: 'str', length: readUint(buf, offset + 1, 2), next: offset + 3 };
    case 0xdb:
      return { kind: 'str', length: readUint(buf, offset + 1, 4), next: offset + 5 };
    case 0xdc:
      return { kind: 'array', count: readUint(buf, offset + 1, 2), next: offset + 3 };
    case 0xdd:
      return { kind: 'array', count: readUint(buf, offset + 1, 4), next: offset + 5 };
    case 0xde:
      return { kind: 'map', count: readUint(buf, offset + 1, 2), next: offset + 3 };
    default: // 0xdf
      return { kind: 'map', count: readUint(buf, offset + 1, 4), next: offset + 5 };
  }
}

function signedType(buf: Uint8Array, offset: number): number {
  const t = readUint(buf, offset, 1);
  return t > 127 ? t - 256 : t;
}

/** A short human name for the value at `offset`, for error messages. */
export function describeAt(buf: Uint8Array, offset: number): string {
  if (buf[offset] === 0xc1) return 'byte 0xc1';
  try {
    const head = readHead(buf, offset);
    if (head.kind === 'ext') return `ext type ${head.type} (${head.length} bytes)`;
    if (head.kind === 'map' || head.kind === 'array') return `${head.kind} of ${head.count}`;
    return head.kind;
  } catch {
    return 'truncated data';
  }
}

/**
 * Steps over one complete value and returns the offset after it. Beyond
 * well-formedness, when `goSafe` (the default) it refuses what a Go plugin's
 * decoder cannot survive: ext type 0 that is not 8 bytes (fluent-bit-go
 * decodes every ext 0 as an EventTime and indexes 8 bytes) and map keys that
 * are maps, arrays or extensions (unhashable in Go: decoding them panics).
 * `depth` is the nesting level of this value (a record is at 1: inside its
 * event); a container at MAX_DEPTH is refused.
 */
export function skipValue(buf: Uint8Array, offset: number, depth = 0, goSafe = true): number {
  const head = readHead(buf, offset);
  switch (head.kind) {
    case 'str':
    case 'bin':
      return checkEnd(buf, head.next + head.length, offset);
    case 'ext':
      if (goSafe && head.type === 0 && head.length !== 8) {
        throw new MsgpackWalkError(
          `ext type 0 is Fluent Bit's EventTime and must be 8 bytes; this one is ${head.length}`,
          offset,
        );
      }
      return checkEnd(buf, head.next + head.length, offset);
    case 'array': {
      if (depth >= MAX_DEPTH) throw new MsgpackWalkError(`nesting deeper than ${MAX_DEPTH}`, offset);
      // Each element takes at least one byte: refuse impossible counts early.
      if (head.count > buf.length - head.next) throw truncated(offset);
      let next = head.next;
      for (let i = 0; i < head.count; i++) next = skipValue(buf, next, depth + 1, goSafe);
      return next;
    }
    case 'map': {
      if (depth >= MAX_DEPTH) throw new MsgpackWalkError(`nesting deeper than ${MAX_DEPTH}`, offset);
      if (head.count * 2 > buf.length - head.next) throw truncated(offset);
      let next = head.next;
      for (let i = 0; i < head.count; i++) {
        if (goSafe) {
          const key = readHead(buf, next);
          if (key.kind === 'map' || key.kind === 'array' || key.kind === 'ext') {
            throw new MsgpackWalkError(`a map key must be a string, number, boolean or nil; got ${describeAt(buf, next)}`, next);
          }
        }
        next = skipValue(buf, next, depth + 1, goSafe);
        next = skipValue(buf, next, depth + 1, goSafe);
      }
      return next;
    }
    default:
      return checkEnd(buf, head.next, offset);
  }
}

function checkEnd(buf: Uint8Array, end: number, start: number): number {
  if (end > buf.length) throw truncated(start);
  return end;
}
