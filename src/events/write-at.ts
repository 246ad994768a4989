/**
 * Writers that put one MessagePack value at a position, inside room the
 * caller has already ensured, and return the position after it. The general
 * encoder (record-encoder.ts) and the generated shape writers
 * (shape-writer.ts) both use them, so both paths write the same bytes; a
 * shape writer ensures room once per record and calls these with its own
 * local position.
 */

/** Strings shorter than this may be fixstrs. */
export const FIXSTR_MAX_LENGTH = 31;

/** Room any number takes: a type byte and 8 bytes. */
export const NUMBER_ROOM = 9;

/** Room any map or array header takes. */
export const HEADER_ROOM = 5;

/**
 * A string of fewer than 32 ASCII characters as a fixstr of its own char
 * codes, byte by byte: for strings this short a native UTF-8 write costs more
 * in call overhead than the copy. Needs 1 + value.length bytes of room.
 * Returns -1 (bytes past `position` may then have been overwritten) if the
 * string is not short ASCII.
 */
export function writeAsciiFixstr(buffer: Uint8Array, position: number, value: string): number {
  const length = value.length;
  if (length > FIXSTR_MAX_LENGTH) return -1;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f) return -1;
    buffer[position + 1 + i] = code;
  }
  buffer[position] = 0xa0 | length;
  return position + 1 + length;
}

/**
 * A number as JSON would keep it: a safe integer in its smallest integer
 * form, another finite number as a float64, NaN and ±Infinity as nil.
 */
export function writeNumberAt(b: Uint8Array, view: DataView, p: number, value: number): number {
  if (Number.isSafeInteger(value)) return writeIntegerAt(b, view, p, value);
  if (Number.isFinite(value)) {
    b[p] = 0xcb;
    view.setFloat64(p + 1, value);
    return p + 9;
  }
  b[p] = 0xc0;
  return p + 1;
}

/** A safe integer in its smallest MessagePack form. */
function writeIntegerAt(b: Uint8Array, view: DataView, p: number, value: number): number {
  if (value >= 0) {
    if (value < 0x80) {
      b[p] = value;
      return p + 1;
    }
    if (value < 0x100) {
      b[p] = 0xcc;
      b[p + 1] = value;
      return p + 2;
    }
    if (value < 0x10000) {
      b[p] = 0xcd;
      view.setUint16(p + 1, value);
      return p + 3;
    }
    if (value < 0x100000000) {
      b[p] = 0xce;
      view.setUint32(p + 1, value);
      return p + 5;
    }
    // Epoch milliseconds (pino's `time`) land here on every record.
    return writeWordsAt(b, view, p, 0xcf, value);
  }
  if (value >= -0x20) {
    b[p] = value & 0xff;
    return p + 1;
  }
  if (value >= -0x80) {
    b[p] = 0xd0;
    view.setInt8(p + 1, value);
    return p + 2;
  }
  if (value >= -0x8000) {
    b[p] = 0xd1;
    view.setInt16(p + 1, value);
    return p + 3;
  }
  if (value >= -0x80000000) {
    b[p] = 0xd2;
    view.setInt32(p + 1, value);
    return p + 5;
  }
  return writeWordsAt(b, view, p, 0xd3, value);
}

/**
 * A 64-bit integer (uint 64 or int 64, by `type`) as two big-endian 32-bit
 * words, not a BigInt allocated per value. For a negative value the high
 * word is its two's complement (`>>> 0`), and the low word is never negative.
 */
function writeWordsAt(b: Uint8Array, view: DataView, p: number, type: number, value: number): number {
  b[p] = type;
  const high = Math.floor(value / 0x100000000);
  view.setUint32(p + 1, high >>> 0);
  view.setUint32(p + 5, value - high * 0x100000000);
  return p + 9;
}

/** A map header for `count` entries. */
export function writeMapHeaderAt(b: Uint8Array, view: DataView, p: number, count: number): number {
  return writeCountHeaderAt(b, view, p, count, 0x80, 0xde);
}

/** An array header for `count` items. */
export function writeArrayHeaderAt(b: Uint8Array, view: DataView, p: number, count: number): number {
  return writeCountHeaderAt(b, view, p, count, 0x90, 0xdc);
}

/** fixmap/fixarray (`fixed` | count) below 16, else the 16-bit form (`code16`) or the 32-bit one after it. */
function writeCountHeaderAt(b: Uint8Array, view: DataView, p: number, count: number, fixed: number, code16: number): number {
  if (count < 16) {
    b[p] = fixed | count;
    return p + 1;
  }
  if (count < 0x10000) {
    b[p] = code16;
    view.setUint16(p + 1, count);
    return p + 3;
  }
  b[p] = code16 + 1;
  view.setUint32(p + 1, count);
  return p + 5;
}
