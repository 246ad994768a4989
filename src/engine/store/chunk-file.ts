/**
 * The chunk file format of durable storage: Fluent Bit's own (chunkio 1.5,
 * as Fluent Bit 5.1 writes it), so that flbhost reads the backlog Fluent Bit
 * left under `storage.path`, and Fluent Bit reads flbhost's. docs/storage.md
 * has the layout with byte offsets; in short, big-endian throughout:
 *
 *   0   2  magic C1 00
 *   2   4  CRC-32 (zlib's) of bytes 22 .. end of content; 0 when unchecked
 *   6   4  zero (Fluent Bit compares 8 bytes at 2 on 64-bit hosts)
 *   10  4  content length L
 *   14  8  zero
 *   22  2  metadata length M
 *   24  M  metadata: F1 77, event type (0 logs), flags, then the tag
 *   24+M L content: MessagePack events end to end
 *
 * flbhost writes the finalized CRC with every append (Fluent Bit writes a
 * running value and finalizes it only when it syncs), so a file cut off by
 * kill -9 still checks. When reading, the running value of a Fluent Bit
 * that was killed is accepted too: the data under it is intact.
 */
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 24;
const MAGIC = [0xc1, 0x00] as const;
const META_MAGIC = [0xf1, 0x77] as const;
/** Metadata event types; flbhost stores and replays logs only. */
export const EVENT_TYPE_LOGS = 0;
const EVENT_TYPE_NAMES: Record<number, string> = { 0: 'logs', 1: 'metrics', 2: 'traces', 3: 'blobs', 4: 'profiles' };
/** Metadata flag of Fluent Bit's "direct routes" header (its YAML `routes:`). */
const FLAG_DIRECT_ROUTES = 0x01;
const FLAG_ROUTE_LABELS = 0x02;
const FLAG_WIDE_IDS = 0x04;
/** The tag is stored in a u16-sized metadata block, after 4 bytes of header. */
export const MAX_TAG_BYTES = 0xffff - 4;

/** The metadata block of a new chunk: logs, no flags, the tag. */
export function encodeMetadata(tag: string): Buffer {
  const tagBytes = Buffer.from(tag, 'utf8');
  if (tagBytes.length > MAX_TAG_BYTES) throw new RangeError(`a tag of ${tagBytes.length} bytes does not fit a chunk file (at most ${MAX_TAG_BYTES})`);
  return Buffer.concat([Buffer.from([...META_MAGIC, EVENT_TYPE_LOGS, 0]), tagBytes]);
}

/**
 * The metadata of a chunk some of whose outputs are done with it: Fluent
 * Bit's "direct routes" layout, naming the outputs (by instance name) that
 * still owe it. Output ids are written as 0..N-1: they mean nothing outside
 * the run that wrote them, and readers (flbhost, Fluent Bit) go by label.
 */
export function encodeMetadataWithRoutes(tag: string, outputs: readonly string[]): Buffer {
  const tagBytes = Buffer.from(tag, 'utf8');
  const labels = outputs.map((name) => Buffer.from(name, 'utf8'));
  const block = Buffer.alloc(2 + 4 * labels.length);
  block.writeUInt16BE(labels.length, 0);
  labels.forEach((label, i) => {
    block.writeUInt16BE(i, 2 + 2 * i);
    block.writeUInt16BE(label.length, 2 + 2 * labels.length + 2 * i);
  });
  const routing = Buffer.concat([block, ...labels]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(routing.length, 0);
  const metadata = Buffer.concat([Buffer.from([...META_MAGIC, EVENT_TYPE_LOGS, FLAG_DIRECT_ROUTES | FLAG_ROUTE_LABELS]), tagBytes, Buffer.from([0]), length, routing]);
  if (metadata.length > 0xffff) throw new RangeError('too many routes to name in a chunk header');
  return metadata;
}

/** The 24-byte header, with the CRC over metadata and content (or 0 when `checksum` is off). */
export function encodeHeader(metaLength: number, contentLength: number, crc: number | undefined): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = MAGIC[0];
  header[1] = MAGIC[1];
  if (crc !== undefined) header.writeUInt32BE(crc >>> 0, 2);
  header.writeUInt32BE(contentLength, 10);
  header.writeUInt16BE(metaLength, 22);
  return header;
}

/** The CRC of a file's checked region, started: bytes 22-23 (the metadata length) and the metadata. */
export function startCrc(metadata: Uint8Array): number {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(metadata.length, 0);
  return crc32(metadata, crc32(length));
}

/** The CRC after appending `data` to the content. */
export function extendCrc(crc: number, data: Uint8Array): number {
  return crc32(data, crc);
}

/** How the file's CRC field reads against its bytes. */
export type CrcState = 'finalized' | 'running' | 'unchecked' | 'mismatch';

export interface ParsedChunkFile {
  tag: string;
  eventType: number;
  /** The MessagePack content, as a view of the file's bytes (L bytes, or inferred for old files). */
  content: Uint8Array;
  crc: CrcState;
  /** Output labels of a Fluent Bit "direct routes" header: the outputs the chunk was meant for. */
  routes?: string[];
}

/** Why a file is not a chunk flbhost can use. */
export class ChunkFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkFileError';
  }
}

/** Parses a whole chunk file; throws ChunkFileError saying what is wrong with it. */
export function parseChunkFile(file: Uint8Array): ParsedChunkFile {
  if (file.length === 0) throw new ChunkFileError('empty file');
  if (file.length < HEADER_BYTES) throw new ChunkFileError(`${file.length} bytes, shorter than a chunk header (${HEADER_BYTES})`);
  if (file[0] !== MAGIC[0] || file[1] !== MAGIC[1]) throw new ChunkFileError('not a chunk file (no C1 00 magic)');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const metaLength = view.getUint16(22);
  let contentLength = view.getUint32(10);
  if (HEADER_BYTES + metaLength > file.length) throw new ChunkFileError(`truncated: its metadata (${metaLength} bytes) runs past the end`);
  const contentStart = HEADER_BYTES + metaLength;
  // Files of an older chunkio have no length: everything after the metadata (zero padding included).
  if (contentLength === 0 && file.length > contentStart && file[contentStart] !== 0) contentLength = file.length - contentStart;
  if (contentStart + contentLength > file.length) {
    throw new ChunkFileError(`truncated: its header promises ${contentLength} bytes of content, the file holds ${file.length - contentStart}`);
  }
  const metadata = file.subarray(HEADER_BYTES, contentStart);
  const { tag, eventType, routes } = parseMetadata(metadata);
  const content = file.subarray(contentStart, contentStart + contentLength);
  return { tag, eventType, content, routes, crc: crcState(file, view, contentStart + contentLength) };
}

export function eventTypeName(type: number): string {
  return EVENT_TYPE_NAMES[type] ?? `type ${type}`;
}

function crcState(file: Uint8Array, view: DataView, end: number): CrcState {
  const stored = view.getUint32(2);
  if (stored === 0 && view.getUint32(6) === 0) return 'unchecked';
  const actual = crc32(file.subarray(22, end)) >>> 0;
  if (stored === actual) return 'finalized';
  // A Fluent Bit killed between syncs leaves the running state, little-endian.
  if (view.getUint32(2, true) === (actual ^ 0xffffffff) >>> 0) return 'running';
  return 'mismatch';
}

function parseMetadata(metadata: Uint8Array): { tag: string; eventType: number; routes?: string[] } {
  const decode = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  // Before Fluent Bit 1.8.10 the whole metadata was the tag.
  if (metadata.length < 4 || metadata[0] !== META_MAGIC[0] || metadata[1] !== META_MAGIC[1]) return { tag: decode(metadata), eventType: EVENT_TYPE_LOGS };
  const eventType = metadata[2]!;
  const flags = metadata[3]!;
  const rest = metadata.subarray(4);
  const nul = rest.indexOf(0);
  const tag = decode(nul < 0 ? rest : rest.subarray(0, nul));
  if ((flags & FLAG_DIRECT_ROUTES) === 0 || nul < 0) return { tag, eventType };
  return { tag, eventType, routes: parseDirectRoutes(rest.subarray(nul + 1), flags) };
}

/**
 * The output labels of Fluent Bit's direct-routes block: u16 block length,
 * u16 count, the output ids (u16, or u32 with FLAG_WIDE_IDS), then with
 * FLAG_ROUTE_LABELS the label lengths (u16; bit 15 marks an alias) and the
 * labels (plugin names may follow; the labels are enough to find the
 * outputs). Routes without labels name outputs by numeric id, which means
 * nothing to another host: they are left out, and the chunk is routed by
 * its tag. A malformed block is treated the same way.
 */
function parseDirectRoutes(block: Uint8Array, flags: number): string[] | undefined {
  if ((flags & FLAG_ROUTE_LABELS) === 0 || block.length < 4) return undefined;
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const count = view.getUint16(2);
  let at = 4 + count * ((flags & FLAG_WIDE_IDS) !== 0 ? 4 : 2);
  if (at + count * 2 > block.length) return undefined;
  const lengths: number[] = [];
  for (let i = 0; i < count; i++, at += 2) lengths.push(view.getUint16(at) & 0x7fff);
  const labels: string[] = [];
  for (const length of lengths) {
    if (at + length > block.length) return undefined;
    labels.push(Buffer.from(block.buffer, block.byteOffset + at, length).toString('utf8'));
    at += length;
  }
  return labels;
}
