/**
 * JSON text to chunks of events: the one place that decides how JSON input
 * becomes MessagePack. stdin and dummy use it; so can any input that reads
 * JSON lines (tail, forward, HTTP, a pino transport): hand it a batch of
 * whole lines and pass each chunk to `ctx.sink.chunk()`.
 *
 * The parsing is native (native/json_lines.cc): integers keep their exact
 * 64-bit value, floats stay floats, strings stay byte-exact (docs/json.md
 * has every rule). `FLBHOST_JSON_PARSER=js` selects the previous JS path
 * (JSON.parse per line, then the encoder): it is kept only so that the
 * benchmark can compare the two in one run; it loses integers past 2^53 and
 * replaces invalid UTF-8.
 */
import { trustedChunk, type Chunk } from '../events/chunk.js';
import { ChunkWriter, type LogEvent } from '../events/encoder.js';
import { nativeAddon, type NativeJsonLinesOptions, type NativeJsonLinesResult } from '../native.js';
import { eventFromJsonLine } from './json-event.js';

/**
 * The native parser's options (declared with the addon, src/native.ts). The
 * JS path (FLBHOST_JSON_PARSER=js) ignores timeKey and objectsOnly: callers
 * that need them use nativeJsonLinesToChunks.
 */
export type JsonLinesOptions = NativeJsonLinesOptions;

export interface JsonLineProblem {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface JsonLinesBatch {
  chunks: Chunk[];
  problems: JsonLineProblem[];
  /** Lines seen: every newline, plus a last line without one. */
  lines: number;
}

export type JsonParser = 'native' | 'js';

/** Which parser JSON input goes through (read once). */
export const jsonParser: JsonParser = process.env.FLBHOST_JSON_PARSER === 'js' ? 'js' : 'native';

/**
 * Batches at least this large are parsed on the libuv pool. Measured on
 * this machine (2 cores, under load), log lines of ~190 bytes: a sync parse
 * costs ~1.7 µs per KiB (5 µs at 1 KiB, 110-125 µs at 64 KiB, 550-600 µs at
 * 256 KiB), and the pool's round trip adds 20-55 µs whatever the size. Below
 * 128 KiB the JS thread is blocked under ~0.2 ms and the round trip would
 * add 20-45 % to it; from 128 KiB on it blocks longer and the round trip
 * costs under 20 %. A pipe's reads (64 KiB) stay synchronous.
 */
export const ASYNC_THRESHOLD_BYTES = 128 * 1024;

function fromNative(result: NativeJsonLinesResult): JsonLinesBatch {
  const chunks = result.chunks.map((chunk) => trustedChunk(chunk.data, chunk.format, chunk.events));
  return { chunks, problems: result.problems, lines: result.lines };
}

/**
 * JSON lines to chunks with the native parser whatever FLBHOST_JSON_PARSER
 * says: for callers whose options the JS path does not have (timeKey,
 * objectsOnly: flbhost/pino).
 */
export function nativeJsonLinesToChunks(data: Uint8Array, options: JsonLinesOptions = {}): JsonLinesBatch {
  return fromNative(nativeAddon().jsonLinesToChunks(data, options));
}

/** JSON lines to chunks on the calling thread. */
export function jsonLinesToChunks(data: Uint8Array, options: JsonLinesOptions = {}): JsonLinesBatch {
  if (jsonParser === 'js') return jsLinesToChunks(data, options);
  return fromNative(nativeAddon().jsonLinesToChunks(data, options));
}

/** JSON lines to chunks on the libuv pool; `data` must not change until it settles. */
export async function jsonLinesToChunksAsync(data: Uint8Array, options: JsonLinesOptions = {}): Promise<JsonLinesBatch> {
  if (jsonParser === 'js') return jsLinesToChunks(data, options);
  return fromNative(await nativeAddon().jsonLinesToChunksAsync(data, options));
}

/** Synchronously below ASYNC_THRESHOLD_BYTES, on the pool from there on. */
export function parseJsonLines(data: Uint8Array, options: JsonLinesOptions = {}): JsonLinesBatch | Promise<JsonLinesBatch> {
  return data.length >= ASYNC_THRESHOLD_BYTES ? jsonLinesToChunksAsync(data, options) : jsonLinesToChunks(data, options);
}

/**
 * One JSON value as MessagePack bytes, with the same rules (dummy's record).
 * Throws a SyntaxError saying where the text is not JSON.
 */
export function jsonToMsgpack(text: string, maxDepth?: number): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  try {
    return nativeAddon().jsonToMsgpack(bytes, maxDepth);
  } catch (error) {
    throw new SyntaxError((error as Error).message);
  }
}

/** The previous path, for comparison: JSON.parse per line and the encoder. */
function jsLinesToChunks(data: Uint8Array, options: JsonLinesOptions): JsonLinesBatch {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const firstLine = options.firstLine ?? 1;
  const maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
  const maxChunkBytes = options.maxChunkBytes ?? 2 * 1024 * 1024;
  const events: LogEvent[] = [];
  const problems: JsonLineProblem[] = [];
  let lines = 0;
  for (let start = 0; start < text.length; lines++) {
    const newline = text.indexOf(0x0a, start);
    const end = newline === -1 ? text.length : newline;
    const line = firstLine + lines;
    if (end - start > maxLineBytes) problems.push({ line, message: `longer than ${maxLineBytes} bytes` });
    else {
      const value = text.toString('utf8', start, end).trim();
      if (value.length > 0) {
        try {
          events.push(eventFromJsonLine(value));
        } catch (error) {
          problems.push({ line, message: (error as Error).message });
        }
      }
    }
    start = end + 1;
  }
  const chunks: Chunk[] = [];
  if (events.length > 0) {
    const format = events.some((e) => e.metadata !== undefined && Object.keys(e.metadata).length > 0) ? 'v2' : 'v1';
    const writer = new ChunkWriter(format, Math.min(maxChunkBytes, events.length * 256));
    for (const event of events) {
      writer.append(event);
      if (writer.byteLength >= maxChunkBytes) chunks.push(writer.finish());
    }
    if (writer.events > 0) chunks.push(writer.finish());
  }
  return { chunks, problems, lines };
}
