/**
 * Reading the backlog under `storage.path` at start: every chunk file a
 * previous run (of flbhost, or of Fluent Bit) left, checked, oldest first.
 * What cannot be used is reported and set aside, never thrown: a corrupt,
 * truncated, empty or foreign file, or one whose checksum does not match, is
 * moved to `.damaged/<stream>/` under storage.path (or deleted, with
 * `storage.delete_irrecoverable_chunks on`); an unreadable one is left where
 * it is. A chunk whose content goes bad part way keeps its valid events.
 *
 * Layout, as Fluent Bit's: `<storage.path>/<stream>/<file>`, a stream per
 * input; hidden names (a leading dot) are not chunks, and neither are files
 * directly under storage.path.
 */
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { makeDirectory } from './make-directory.js';
import { join } from 'node:path';
import type { Chunk } from '../../events/chunk.js';
import { normalizeInputChunk } from '../../events/normalize.js';
import type { HostLogger } from '../../logging.js';
import { ChunkFileError, EVENT_TYPE_LOGS, eventTypeName, parseChunkFile } from './chunk-file.js';

/** Where unusable chunk files are moved (hidden: neither flbhost nor Fluent Bit scans it). */
export const DAMAGED_DIR = '.damaged';
/** A chunk holds about 2 MB; a file far larger is not one flbhost wrote, and is not read whole. */
const MAX_CHUNK_FILE_BYTES = 256 * 1024 * 1024;

export interface BacklogChunk {
  /** "<stream>/<file>": the chunk's id. */
  id: string;
  path: string;
  tag: string;
  /** The outputs a Fluent Bit "direct routes" header named, if any. */
  routes?: string[];
  /** Its events, checked and normalised as an input's are. */
  chunk: Chunk;
  /** The file's size. */
  fileBytes: number;
}

export interface ScanOptions {
  checksum: boolean;
  deleteIrrecoverable: boolean;
  logger: HostLogger;
}

/** Every usable chunk under `root`, oldest first (by the time in its name, as Fluent Bit orders them). */
export async function scanBacklog(root: string, options: ScanOptions): Promise<BacklogChunk[]> {
  const found: Array<BacklogChunk & { order: [number, number, string] }> = [];
  for (const stream of await visibleEntries(root, 'directory')) {
    for (const file of await visibleEntries(join(root, stream), 'file')) {
      const chunk = await readChunk(root, stream, file, options);
      if (chunk) found.push({ ...chunk, order: orderOf(file) });
    }
  }
  found.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || (a.order[2] < b.order[2] ? -1 : a.order[2] > b.order[2] ? 1 : 0));
  return found.map(({ order: _order, ...chunk }) => chunk);
}

async function visibleEntries(directory: string, kind: 'directory' | 'file'): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries.filter((entry) => !entry.name.startsWith('.') && (kind === 'directory' ? entry.isDirectory() : entry.isFile())).map((entry) => entry.name);
}

/** "<pid>-<sec>.<nsec>.flb" → [sec, nsec]; names that do not parse sort last, by name. */
function orderOf(file: string): [number, number, string] {
  const match = /-\s*(\d+)\.\s*(\d+)\.flb$/.exec(file);
  return match ? [Number(match[1]), Number(match[2]), file] : [Number.MAX_SAFE_INTEGER, 0, file];
}

async function readChunk(root: string, stream: string, file: string, options: ScanOptions): Promise<BacklogChunk | undefined> {
  const path = join(root, stream, file);
  const id = `${stream}/${file}`;
  const { logger } = options;
  let bytes: Buffer;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_CHUNK_FILE_BYTES) return setAside(root, stream, file, `${size} bytes, far more than a chunk holds`, options);
    bytes = await readFile(path);
  } catch (error) {
    logger.error({ chunk: id, err: error }, `storage: cannot read chunk ${path}: ${(error as Error).message}; it is left where it is`);
    return undefined;
  }
  if (bytes.length === 0) {
    // A chunk file created and never written (as Fluent Bit treats it): nothing to keep.
    await unlink(path).catch(() => undefined);
    logger.debug({ chunk: id }, `storage: removed ${path}, an empty file`);
    return undefined;
  }
  let parsed;
  try {
    parsed = parseChunkFile(bytes);
  } catch (error) {
    if (!(error instanceof ChunkFileError)) throw error;
    return setAside(root, stream, file, error.message, options);
  }
  if (parsed.crc === 'mismatch' && options.checksum) return setAside(root, stream, file, 'its checksum does not match its data', options);
  if (parsed.eventType !== EVENT_TYPE_LOGS) {
    logger.warn({ chunk: id }, `storage: chunk ${path} holds ${eventTypeName(parsed.eventType)}, which flbhost does not deliver; it is left where it is`);
    return undefined;
  }
  const content = parsed.content;
  if (content.every((byte) => byte === 0)) {
    await unlink(path).catch(() => undefined);
    logger.debug({ chunk: id }, `storage: removed ${path}, an empty chunk`);
    return undefined;
  }
  const { chunk, failure } = eventsOf(content);
  if (chunk.events === 0) return setAside(root, stream, file, `no valid event (${failure?.message ?? 'empty'})`, options);
  if (failure) {
    logger.warn(
      { chunk: id, event: failure.event, offset: failure.offset },
      `storage: chunk ${path} is damaged after ${chunk.events} event(s) (${failure.message}): those are delivered, the ${content.length - chunk.data.length} byte(s) after them are not`,
    );
  }
  return { id, path, tag: parsed.tag, routes: parsed.routes, chunk, fileBytes: bytes.length };
}

/**
 * The events of a chunk's content, checked and normalised as an input's are.
 * Zero bytes after the last event are padding (a Fluent Bit file of an older
 * chunkio, whose length is the file's), not damage. Not trimmed beforehand:
 * an event may end in a zero byte (the integer 0).
 */
export function eventsOf(content: Uint8Array): { chunk: Chunk; failure?: { event: number; offset: number; message: string } } {
  const { chunk, failure } = normalizeInputChunk(content);
  if (failure && content.subarray(failure.offset).every((byte) => byte === 0)) return { chunk };
  return failure ? { chunk, failure } : { chunk };
}

/** An unusable file: moved aside (or deleted), and said so. Returns undefined for the caller's convenience. */
async function setAside(root: string, stream: string, file: string, reason: string, options: ScanOptions): Promise<undefined> {
  const path = join(root, stream, file);
  try {
    if (options.deleteIrrecoverable) {
      await unlink(path);
      options.logger.warn({ chunk: `${stream}/${file}` }, `storage: deleted ${path}: ${reason} (storage.delete_irrecoverable_chunks)`);
    } else {
      const aside = join(root, DAMAGED_DIR, stream);
      await makeDirectory(aside);
      await rename(path, join(aside, file));
      options.logger.warn({ chunk: `${stream}/${file}` }, `storage: ${path} cannot be delivered: ${reason}; moved to ${join(aside, file)}`);
    }
  } catch (error) {
    options.logger.error({ chunk: `${stream}/${file}` }, `storage: ${path} cannot be delivered: ${reason}; and it could not be set aside (${(error as Error).message}): left where it is`);
  }
  return undefined;
}
