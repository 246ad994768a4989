/**
 * A MessagePack builder for the JSON corpus tests: each function returns the
 * bytes of one value, written from the MessagePack spec, never by the code
 * under test.
 */
export type Bytes = number[];
export const be = (value: bigint, size: number): Bytes => Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * (size - 1 - i))) & 0xffn));
export const uint = (n: bigint | number): Bytes => {
  const v = BigInt(n);
  if (v < 0x80n) return [Number(v)];
  if (v < 0x100n) return [0xcc, Number(v)];
  if (v < 0x10000n) return [0xcd, ...be(v, 2)];
  if (v < 0x100000000n) return [0xce, ...be(v, 4)];
  return [0xcf, ...be(v, 8)];
};
export const int = (n: bigint | number): Bytes => {
  const v = BigInt(n);
  if (v >= 0n) return uint(v);
  if (v >= -32n) return [Number(v & 0xffn)];
  if (v >= -128n) return [0xd0, ...be(v & 0xffn, 1)];
  if (v >= -32768n) return [0xd1, ...be(v & 0xffffn, 2)];
  if (v >= -2147483648n) return [0xd2, ...be(v & 0xffffffffn, 4)];
  return [0xd3, ...be(v & 0xffffffffffffffffn, 8)];
};
export const f64 = (value: number): Bytes => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return [0xcb, ...new Uint8Array(view.buffer)];
};
export const rawStr = (bytes: Bytes): Bytes => {
  const n = bytes.length;
  const header = n < 32 ? [0xa0 | n] : n < 0x100 ? [0xd9, n] : n < 0x10000 ? [0xda, ...be(BigInt(n), 2)] : [0xdb, ...be(BigInt(n), 4)];
  return [...header, ...bytes];
};
export const str = (text: string): Bytes => rawStr([...Buffer.from(text, 'utf8')]);
export const header = (count: number, fix: number, wide: number): Bytes =>
  count < 16 ? [fix | count] : count < 0x10000 ? [wide, ...be(BigInt(count), 2)] : [wide + 1, ...be(BigInt(count), 4)];
export const map = (entries: Array<[string, Bytes]>): Bytes => [...header(entries.length, 0x80, 0xde), ...entries.flatMap(([k, v]) => [...str(k), ...v])];
export const arr = (items: Bytes[]): Bytes => [...header(items.length, 0x90, 0xdc), ...items.flat()];
export const nil: Bytes = [0xc0];
export const time = (seconds: number, nanoseconds = 0): Bytes => [0xd7, 0x00, ...be(BigInt(seconds), 4), ...be(BigInt(nanoseconds), 4)];
export const v1 = (t: Bytes, record: Bytes): Bytes => [0x92, ...t, ...record];
export const v2 = (t: Bytes, metadata: Bytes, record: Bytes): Bytes => [0x92, 0x92, ...t, ...metadata, ...record];

