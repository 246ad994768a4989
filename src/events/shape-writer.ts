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

/** Writes `object` at nesting `depth` if it has this writer's shape; false (and nothing written) if not. */
export type ShapeWriter = (encoder: ShapeTarget, object: object, depth: number) => boolean;

/** The part of RecordEncoder a generated writer calls. */
export interface ShapeTarget {
  buffer: Buffer;
  position: number;
  ensure(bytes: number): void;
  writeString(value: string): void;
  writeNumber(value: number): void;
  writeValue(value: unknown, depth: number): void;
  writeMapHeader(count: number): void;
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

/** Code that stores constant bytes at the write position. */
function storeBytes(bytes: Uint8Array): string {
  const stores = Array.from(bytes, (byte, i) => `b[p + ${i}] = ${byte};`).join(' ');
  return `e.ensure(${bytes.length}); b = e.buffer; p = e.position; ${stores} e.position = p + ${bytes.length};`;
}

/** Code that writes value `v${i}`; objects go through slot `s${i}`, the shape this field had last. */
function storeValue(i: number): string {
  const v = `v${i}`;
  const s = `s${i}`;
  return [
    `if (typeof ${v} === 'string') e.writeString(${v});`,
    `else if (typeof ${v} === 'number') e.writeNumber(${v});`,
    `else if (typeof ${v} === 'object' && ${v} !== null) { if (${s} === null || !${s}(e, ${v}, depth + 1)) ${s} = e.writeObjectValue(${v}, depth); }`,
    `else e.writeValue(${v}, depth);`,
  ].join('\n');
}

function compile(keys: string[], target: ShapeTarget): ShapeWriter {
  const fields = keys.map((key, i) => ({
    load: `const v${i} = o[${JSON.stringify(key)}];`,
    // JSON leaves out undefined, functions and symbols.
    kept: `const k${i} = typeof v${i} !== 'undefined' && typeof v${i} !== 'function' && typeof v${i} !== 'symbol'; if (!k${i}) c--;`,
    write: `if (k${i}) {\n${storeBytes(target.encodedKey(key))}\n${storeValue(i)}\n}`,
  }));
  const body = `
    ${keys.map((_, i) => `let s${i} = null;`).join(' ')}
    return function writeShape(e, o, depth) {
      if (depth > ${SHAPE_MAX_DEPTH}) return false;
      const proto = Object.getPrototypeOf(o);
      if (proto !== P && proto !== null) return false;
      let i = 0;
      for (const k in o) { if (k !== K[i]) return false; i++; }
      if (i !== ${keys.length}) return false;
      let c = ${keys.length}, b, p;
      ${fields.map((field) => `${field.load}\n${field.kept}`).join('\n')}
      e.writeMapHeader(c);
      ${fields.map((field) => field.write).join('\n')}
      return true;
    };`;
  return new Function('K', 'P', body)(Object.freeze([...keys]), Object.prototype) as ShapeWriter;
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
