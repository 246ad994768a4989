/**
 * Writers generated for one exact key list ("shape") of plain objects.
 *
 * Why: log records from one call site all have the same keys in the same
 * order. The general encoder pays, for every record, for Object.keys, a
 * key-cache lookup per key and a property load whose name changes on every
 * call (megamorphic in V8). A writer generated for the shape turns the map
 * header and key bytes into constant stores and each property load into a
 * named, monomorphic one, and each nested object field keeps the shape it
 * saw last, the way an inline cache does. This roughly doubles the speed of
 * `lib.push()` for pino-like records.
 *
 * Exactness: a writer writes nothing and returns false unless the object is
 * a plain object (prototype Object.prototype or null) whose enumerable keys,
 * as for-in lists them (own, then inherited), are exactly the shape's. Like
 * JSON it leaves out keys whose value is undefined, a function or a symbol.
 * Everything else goes down the general path in RecordEncoder, which has the
 * same rules and gives the key bytes both paths use, so both write the same
 * bytes for the same object.
 */

import { HEADER_ROOM, NUMBER_ROOM, writeAsciiFixstr, writeMapHeaderAt, writeNumberAt } from './write-at.js';

/** Writes `object` at nesting `depth` if it has this writer's shape; false (and nothing written) if not. */
export type ShapeWriter = (encoder: ShapeTarget, object: object, depth: number) => boolean;

/** The part of RecordEncoder a generated writer calls. */
export interface ShapeTarget {
  buffer: Buffer;
  /** A DataView over `buffer`, replaced with it. */
  view: DataView;
  position: number;
  ensure(bytes: number): void;
  writeString(value: string): void;
  writeValue(value: unknown, depth: number): void;
  /** The general path for an object value; returns the shape writer it used, for the caller to keep. */
  writeObjectValue(value: object, depth: number): ShapeWriter | null;
  /** A key's MessagePack bytes, exactly as the general path writes them. */
  encodedKey(key: string): Uint8Array;
}

/** Deeper than this, the general path writes (and throws at its own limit). */
export const SHAPE_MAX_DEPTH = 100;
/** Wider objects are rare in logs and would make long generated functions. */
const MAX_SHAPE_KEYS = 64;
/** A shape gets a writer the second time it is seen: one-off objects never pay for code generation. */
const SIGHTINGS_BEFORE_COMPILE = 2;
/** Shapes remembered per process (each a few hundred bytes of code); beyond this, new shapes take the general path. */
const MAX_SHAPES = 2048;

/**
 * Code that stores constant bytes at `p` and moves `p` past them: four at a
 * time through the DataView (one bounds check instead of four), then the
 * rest one by one.
 */
function storeBytes(bytes: Uint8Array): string {
  const stores: string[] = [];
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    const word = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    stores.push(`d.setUint32(p + ${i}, ${word});`);
  }
  for (; i < bytes.length; i++) stores.push(`b[p + ${i}] = ${bytes[i]};`);
  return `${stores.join(' ')} p += ${bytes.length};`;
}

/**
 * Code that writes value `v${i}` (of type `t${i}`) at `p`. Strings, numbers,
 * booleans and null are written in place, inside the room ensured up front.
 * Anything else goes through the encoder, which ensures its own room and may
 * grow the buffer, so the writer syncs `p` before and reloads `b`/`p` after,
 * ensuring again only the room its remaining fields can need (`used` counts
 * what it wrote in place since the first ensure). Objects first try slot
 * `s${i}`, the shape this field had last.
 */
function storeValue(i: number): string {
  const [v, t, s] = [`v${i}`, `t${i}`, `s${i}`];
  return [
    `if (${t} === 'string') { const n = writeAsciiFixstr(b, p, ${v}); p = n >= 0 ? n : writeStringAt(e, p, ${v}); }`,
    `else if (${t} === 'number') p = writeNumberAt(b, d, p, ${v});`,
    `else if (${t} === 'boolean') b[p++] = ${v} ? 0xc3 : 0xc2;`,
    `else if (${v} === null) b[p++] = 0xc0;`,
    `else {`,
    `  used += p - mark; e.position = p;`,
    `  if (${t} === 'object') { if (${s} === null || !${s}(e, ${v}, depth + 1)) ${s} = e.writeObjectValue(${v}, depth); }`,
    `  else e.writeValue(${v}, depth);`,
    `  e.ensure(room - used); b = e.buffer; d = e.view; p = mark = e.position;`,
    `}`,
  ].join('\n');
}

/**
 * A string that is not short ASCII, at `p` inside room already ensured: the
 * encoder writes the same bytes the general path does, and cannot grow the
 * buffer here.
 */
function writeStringAt(e: ShapeTarget, p: number, value: string): number {
  e.position = p;
  e.writeString(value);
  return e.position;
}

/** Room for any number, boolean or null. */
const SCALAR_ROOM = NUMBER_ROOM;

/**
 * Generates the writer for `keys`. Its checks run cheapest first; the `in`
 * check also tells the optimizing compiler the object's map, which lets it
 * fold Object.getPrototypeOf to a constant instead of a runtime call (about
 * 400 instructions per nested record, measured under cachegrind).
 */
function compile(keys: string[], target: ShapeTarget): ShapeWriter {
  const keyBytes = keys.map((key) => target.encodedKey(key));
  const constantRoom = HEADER_ROOM + keyBytes.reduce((sum, bytes) => sum + bytes.length, 0);
  const fields = keys.map((key, i) => ({
    load: `const v${i} = o[${JSON.stringify(key)}]; const t${i} = typeof v${i};`,
    // JSON leaves out undefined, functions and symbols. A string takes at
    // most 3 bytes per UTF-16 unit plus a 5-byte header.
    room: `const k${i} = t${i} !== 'undefined' && t${i} !== 'function' && t${i} !== 'symbol'; if (!k${i}) c--; else if (t${i} === 'string') room += 5 + 3 * v${i}.length; else room += ${SCALAR_ROOM};`,
    write: `if (k${i}) {\n${storeBytes(keyBytes[i]!)}\n${storeValue(i)}\n}`,
  }));
  const body = `
    ${keys.map((_, i) => `let s${i} = null;`).join(' ')}
    return function writeShape(e, o, depth) {
      if (depth > ${SHAPE_MAX_DEPTH}) return false;
      ${keys.length > 0 ? `if (!(${JSON.stringify(keys[0])} in o)) return false;` : ''}
      const proto = Object.getPrototypeOf(o);
      if (proto !== P && proto !== null) return false;
      let i = 0;
      for (const k in o) { if (k !== K[i]) return false; i++; }
      if (i !== ${keys.length}) return false;
      let c = ${keys.length}, room = ${constantRoom};
      ${fields.map((field) => `${field.load}\n${field.room}`).join('\n')}
      e.ensure(room);
      let b = e.buffer, d = e.view, p = e.position, mark = p, used = 0;
      p = writeMapHeaderAt(b, d, p, c);
      ${fields.map((field) => field.write).join('\n')}
      e.position = p;
      return true;
    };`;
  const make = new Function('K', 'P', 'writeAsciiFixstr', 'writeStringAt', 'writeNumberAt', 'writeMapHeaderAt', body) as (
    keys: readonly string[],
    prototype: object,
    asciiFixstr: typeof writeAsciiFixstr,
    stringAt: typeof writeStringAt,
    numberAt: typeof writeNumberAt,
    mapHeaderAt: typeof writeMapHeaderAt,
  ) => ShapeWriter;
  // K is deliberately not frozen: V8 (Node 20) loads from a frozen array
  // through its generic keyed-load stub, which cost more per record than
  // all the key stores together.
  return make([...keys], Object.prototype, writeAsciiFixstr, writeStringAt, writeNumberAt, writeMapHeaderAt);
}

interface ShapeEntry {
  sightings: number;
  writer: ShapeWriter | null;
}

const shapes = new Map<string, ShapeEntry>();

/**
 * The writer for this plain object's shape, generating it on the shape's
 * second sighting; null while it is not (or cannot be) compiled.
 */
export function shapeWriterFor(object: object, target: ShapeTarget): ShapeWriter | null {
  const keys = Object.keys(object);
  if (keys.length > MAX_SHAPE_KEYS) return null;
  // Keys containing NUL could make two shapes share an id; harmless, as a
  // writer checks every key itself and declines an object of another shape.
  const id = keys.join('\u0000') + `\u0000${keys.length}`;
  let entry = shapes.get(id);
  if (entry === undefined) {
    if (shapes.size >= MAX_SHAPES) return null;
    entry = { sightings: 0, writer: null };
    shapes.set(id, entry);
  }
  if (entry.writer === null && ++entry.sightings >= SIGHTINGS_BEFORE_COMPILE) {
    // An own __proto__ key cannot be read back by name; very long keys do not fit a template.
    const compilable = keys.every((key) => key !== '__proto__' && Buffer.byteLength(key) < 0x10000);
    if (compilable) entry.writer = compile(keys, target);
    else entry.sightings = -Infinity; // never again
  }
  return entry.writer;
}
