/**
 * The fast path of string writing shared by both encoder paths: a string of
 * fewer than 32 ASCII characters is a MessagePack fixstr of its own char
 * codes. Byte by byte, because for strings this short a native UTF-8 write
 * costs more in call overhead than the copy.
 */

/** Strings shorter than this may be fixstrs. */
export const FIXSTR_MAX_LENGTH = 31;

/**
 * Writes `value` as a fixstr at `position` if it is short ASCII, into room
 * the caller has ensured (1 + value.length bytes). Returns the position after
 * it, or -1 (bytes past `position` may then have been overwritten) if it is
 * not short ASCII.
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
