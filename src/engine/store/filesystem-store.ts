/**
 * Durable storage (Fluent Bit's `storage.type filesystem`): the chunks of
 * filesystem inputs are written to files under `storage.path` as they are
 * filled (chunk-file-writer.ts, in Fluent Bit's chunk format), and a file is
 * removed only when every output the chunk was routed to has delivered it
 * or given up. What a run could not deliver stays on disk and is the next
 * run's backlog (backlog-scan.ts). Chunks of memory inputs are kept as the
 * memory store keeps them (memory-store.ts): this store holds both, because
 * Fluent Bit's storage type is chosen per input.
 *
 * At most `maxChunksUp` durable chunks keep their data in memory ("up");
 * sealed ones beyond that are taken down (their data is on disk only) and
 * read back when an output is about to flush them (bringUp).
 *
 * At least once: a chunk delivered to some of its outputs and not yet to
 * others when the process was killed is delivered to all of them again
 * (the file records the chunk, not who has had it). At a graceful stop the
 * outputs still owing a chunk are written into its header (Fluent Bit's
 * "direct routes"), so the next run sends it only to them.
 */
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import { join } from 'node:path';
import type { Chunk } from '../../events/chunk.js';
import type { HostLogger } from '../../logging.js';
import { encodeHeader, encodeMetadataWithRoutes, extendCrc, parseChunkFile, startCrc } from './chunk-file.js';
import { ChunkFileWriter, type StorageSync } from './chunk-file-writer.js';
import { eventsOf, scanBacklog } from './backlog-scan.js';
import type { ChunkPiece, ChunkStore, ChunkStoreListener, Named, SettleOutcome, StoredChunk } from './chunk-store.js';
import { MemoryChunkStore } from './memory-store.js';
import { StorageLock } from './storage-lock.js';
import { makeDirectory, makeDirectorySync } from './make-directory.js';

export interface FilesystemStoreOptions<I extends Named, O extends Named> {
  /** storage.path. */
  path: string;
  sync: StorageSync;
  checksum: boolean;
  maxChunksUp: number;
  deleteIrrecoverable: boolean;
  chunkSize: number;
  listener: ChunkStoreListener<I, O>;
  logger: HostLogger;
  /** Whether an input's chunks go to disk (its storage.type is filesystem). */
  durable(input: I): boolean;
}

/** Counters for metrics (and, later, /api/v1/storage). */
export interface StorageMetrics {
  /** Durable chunks held, with their data in memory (up) or on disk only (down). */
  chunks: { total: number; up: number; down: number };
  /** Bytes of the files of the durable chunks held. */
  bytesOnDisk: number;
  /** Chunks of the previous run's backlog not delivered yet. */
  backlogChunks: number;
  /** Durable chunks that could not be written (full disk, I/O error): delivered from memory, not durable. */
  writeFailures: number;
  /** The same per input ("storage_backlog" for the previous runs' chunks), as Fluent Bit's /api/v1/storage lists them. */
  inputs: Record<string, { chunks: number; up: number; down: number; bytesOnDisk: number }>;
}

interface DurableChunk<I extends Named, O extends Named> extends StoredChunk<I, O> {
  /** Batches in append order while up; null while down. */
  pieces: ChunkPiece[] | null;
  records: number;
  bytes: number;
  sealed: boolean;
  up: boolean;
  readonly owed: O[];
  /** Routes that settled 'delivered' or 'dropped' (they never want it again). */
  readonly done: O[];
  readonly path: string;
  /** Set while the chunk is being written in this run. */
  readonly writer?: ChunkFileWriter;
  fileBytes: number;
  fromBacklog: boolean;
  /** Brought up for a flush that has not read its pieces yet: not to be taken down meanwhile. */
  pinned: boolean;
  persisted: boolean;
}

export class FilesystemChunkStore<I extends Named, O extends Named> implements ChunkStore<I, O> {
  private readonly memory: MemoryChunkStore<I, O>;
  private readonly lock: StorageLock;
  private readonly open = new Map<I, Map<string, DurableChunk<I, O>>>();
  private readonly held = new Map<string, DurableChunk<I, O>>();
  /** Sealed, up, durable chunks in the order they came up: the first to be taken down. */
  private readonly upQueue = new Set<DurableChunk<I, O>>();
  private readonly streamsMade = new Set<string>();
  private closed = false;
  private lastNanos = 0n;
  private writeFailures = 0;
  /** Files of delivered chunks being deleted: close() waits for them (else a quick exit leaves them, to be delivered again). */
  private readonly removing = new Set<Promise<void>>();

  private constructor(private readonly options: FilesystemStoreOptions<I, O>) {
    this.memory = new MemoryChunkStore({ chunkSize: options.chunkSize, listener: options.listener });
    this.lock = StorageLock.acquire(options.path);
  }

  /** Opens storage.path (creating it), takes its lock. Throws a clear error when it cannot be used. */
  static async open<I extends Named, O extends Named>(options: FilesystemStoreOptions<I, O>): Promise<FilesystemChunkStore<I, O>> {
    await ensureWritableDirectory(options.path);
    return new FilesystemChunkStore(options);
  }

  get size(): number {
    return this.memory.size + this.held.size;
  }

  metrics(): StorageMetrics {
    let up = 0;
    let bytesOnDisk = 0;
    let backlogChunks = 0;
    const inputs: StorageMetrics['inputs'] = {};
    for (const chunk of this.held.values()) {
      const fileBytes = chunk.writer?.fileBytes ?? chunk.fileBytes;
      if (chunk.up) up++;
      bytesOnDisk += fileBytes;
      if (chunk.fromBacklog) backlogChunks++;
      const input = (inputs[chunk.input.name] ??= { chunks: 0, up: 0, down: 0, bytesOnDisk: 0 });
      input.chunks++;
      if (chunk.up) input.up++;
      else input.down++;
      input.bytesOnDisk += fileBytes;
    }
    return { chunks: { total: this.held.size, up, down: this.held.size - up }, bytesOnDisk, backlogChunks, writeFailures: this.writeFailures, inputs };
  }

  append(input: I, tag: string, routes: readonly O[], batch: Chunk): Promise<void> | undefined {
    if (!this.options.durable(input)) return this.memory.append(input, tag, routes, batch);
    if (this.closed) throw new Error(`data for tag '${tag}' appended after the store closed`);
    let byTag = this.open.get(input);
    if (!byTag) {
      byTag = new Map();
      this.open.set(input, byTag);
    }
    let chunk = byTag.get(tag);
    if (chunk && chunk.bytes + batch.data.length > this.options.chunkSize) {
      this.seal(byTag, chunk);
      chunk = undefined;
    }
    if (!chunk) {
      chunk = this.openChunk(input, tag, routes);
      byTag.set(tag, chunk);
    }
    chunk.pieces!.push({ data: batch.data, format: batch.format });
    chunk.bytes += batch.data.length;
    chunk.records += batch.events;
    const current = chunk;
    const stored = chunk.writer!.append(batch.data).catch((error: Error) => {
      this.writeFailed(current, error);
      throw new Error(`not stored: chunk ${current.path} could not be written (${error.message}); its records are kept in memory and still delivered, but would not survive a crash`, { cause: error });
    });
    stored.catch(() => undefined); // the caller may not wait for it
    if (chunk.bytes >= this.options.chunkSize) this.seal(byTag, chunk);
    return stored;
  }

  sealAll(): void {
    this.memory.sealAll();
    for (const byTag of this.open.values()) {
      for (const chunk of [...byTag.values()]) this.seal(byTag, chunk);
    }
  }

  pieces(chunk: StoredChunk<I, O>): readonly ChunkPiece[] {
    const durable = this.held.get(chunk.id);
    if (durable !== chunk) return this.memory.pieces(chunk);
    if (!durable.pieces) throw new Error(`chunk ${chunk.id} is down: bringUp() first`);
    durable.pinned = false;
    return durable.pieces;
  }

  async bringUp(chunk: StoredChunk<I, O>): Promise<void> {
    const durable = this.held.get(chunk.id);
    if (durable !== chunk || durable.pieces) return;
    // Appends still queued would be missing from what is read.
    await durable.writer?.settled();
    if (durable.pieces) return;
    const normalized = eventsOf(parseChunkFile(await readFile(durable.path)).content).chunk;
    if (durable.pieces) return; // brought up meanwhile
    durable.pieces = [{ data: normalized.data, format: normalized.format }];
    durable.up = true;
    durable.pinned = true;
    this.upQueue.add(durable);
    this.takeDownBeyondLimit();
  }

  settle(chunk: StoredChunk<I, O>, output: O, outcome: SettleOutcome): boolean {
    const durable = this.held.get(chunk.id);
    if (durable !== chunk) return this.memory.settle(chunk, output, outcome);
    if (this.closed) return false;
    if (!durable.sealed) throw new Error(`chunk ${chunk.id} (tag '${chunk.tag}') is still open: only sealed chunks are settled`);
    const at = durable.owed.indexOf(output);
    if (at < 0) throw new Error(`output ${output.name} does not owe chunk ${chunk.id} (tag '${chunk.tag}'): settled twice?`);
    durable.owed.splice(at, 1);
    // An abandoned route still wants it: the file stays for the next run.
    if (outcome !== 'abandoned') durable.done.push(output);
    if (durable.owed.length > 0 || durable.done.length < durable.routes.length) return false;
    this.forget(durable);
    const removal = this.removeFile(durable);
    this.removing.add(removal);
    void removal.finally(() => this.removing.delete(removal));
    return true;
  }

  /**
   * The previous runs' chunks under storage.path, routed again: to the
   * outputs a chunk's header names when every one of them exists, else by
   * its tag (`route`), as Fluent Bit does. A chunk no output takes stays on
   * disk. Each is attributed to `owner` and down until flushed.
   */
  async backlog(owner: I, route: (tag: string) => O[], outputNamed: (name: string) => O | undefined): Promise<Array<StoredChunk<I, O>>> {
    const found = await scanBacklog(this.options.path, {
      checksum: this.options.checksum,
      deleteIrrecoverable: this.options.deleteIrrecoverable,
      logger: this.options.logger,
    });
    const chunks: Array<DurableChunk<I, O>> = [];
    for (const item of found) {
      const named = item.routes?.map(outputNamed);
      const routes = named && named.length > 0 && named.every((o) => o !== undefined) ? (named as O[]) : route(item.tag);
      if (routes.length === 0) {
        this.options.logger.warn({ chunk: item.id, tag: item.tag }, `storage: no output matches tag '${item.tag}' of backlog chunk ${item.id}: it stays on disk`);
        continue;
      }
      const chunk: DurableChunk<I, O> = {
        id: item.id,
        input: owner,
        tag: item.tag,
        routes,
        owed: [...routes],
        done: [],
        pieces: null,
        records: item.chunk.events,
        bytes: item.chunk.data.length,
        sealed: true,
        up: false,
        path: item.path,
        fileBytes: item.fileBytes,
        fromBacklog: true,
        pinned: false,
        persisted: true,
      };
      this.held.set(chunk.id, chunk);
      chunks.push(chunk);
    }
    if (found.length > 0) {
      this.options.logger.info({ chunks: chunks.length, records: chunks.reduce((n, c) => n + c.records, 0) }, `storage: ${chunks.length} chunk(s) from a previous run to deliver`);
    }
    return chunks;
  }

  /**
   * End of the run: every file is closed; chunks still owed stay on disk,
   * their header rewritten to name only the outputs that still owe them
   * when some others were done with them. Then the lock is released.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.memory.close();
    const closing: Array<Promise<unknown>> = [];
    for (const chunk of this.held.values()) {
      closing.push(
        (async () => {
          await chunk.writer?.close();
          if (chunk.done.length > 0 && chunk.persisted) await this.rewriteRoutes(chunk);
        })().catch((error: Error) =>
          this.options.logger.error({ chunk: chunk.id, err: error }, `storage: closing ${chunk.path} failed: ${error.message}`),
        ),
      );
    }
    await Promise.all([...closing, ...this.removing]);
    this.lock.release();
  }

  /** Chunks kept on disk for the next run (after close()): what the shutdown report names. */
  retained(): { chunks: number; records: number; bytes: number } {
    const kept = { chunks: 0, records: 0, bytes: 0 };
    for (const chunk of this.held.values()) {
      if (!chunk.persisted) continue;
      kept.chunks++;
      kept.records += chunk.records;
      kept.bytes += chunk.bytes;
    }
    return kept;
  }

  // --- inside ----------------------------------------------------------------

  private openChunk(input: I, tag: string, routes: readonly O[]): DurableChunk<I, O> {
    const stream = join(this.options.path, input.name);
    if (!this.streamsMade.has(stream)) {
      // Synchronous on purpose, once per input: the first append must find it.
      // A failure shows as the file's (its open fails), logged by writeFailed.
      try {
        makeDirectorySync(stream);
        this.streamsMade.add(stream);
      } catch {
        // reported with the chunk
      }
    }
    const path = join(stream, this.nextFileName());
    const writer = new ChunkFileWriter(path, tag, this.options.sync, this.options.checksum);
    const chunk: DurableChunk<I, O> = {
      id: `${input.name}/${path.slice(stream.length + 1)}`,
      input,
      tag,
      routes: [...routes],
      owed: [...routes],
      done: [],
      pieces: [],
      records: 0,
      bytes: 0,
      sealed: false,
      up: true,
      path,
      writer,
      fileBytes: 0,
      fromBacklog: false,
      pinned: false,
      persisted: true,
    };
    this.held.set(chunk.id, chunk);
    this.options.listener.opened(chunk);
    return chunk;
  }

  /**
   * Fluent Bit's names, "<pid>-<seconds>.<nanoseconds>.flb" (the nanoseconds
   * an integer, space-padded to 4 digits), later ones sorting later: one
   * nanosecond past the last name when the clock has not moved on.
   */
  private nextFileName(): string {
    let now = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (now <= this.lastNanos) now = this.lastNanos + 1n;
    this.lastNanos = now;
    return `${process.pid}-${now / 1_000_000_000n}.${String(now % 1_000_000_000n).padStart(4, ' ')}.flb`;
  }

  private seal(byTag: Map<string, DurableChunk<I, O>>, chunk: DurableChunk<I, O>): void {
    byTag.delete(chunk.tag);
    chunk.sealed = true;
    this.upQueue.add(chunk);
    this.options.listener.sealed(chunk);
    this.takeDownBeyondLimit();
  }

  /** Sealed chunks beyond storage.max_chunks_up keep their data on disk only, oldest first. */
  private takeDownBeyondLimit(): void {
    let up = this.upQueue.size + this.countOpen();
    for (const chunk of this.upQueue) {
      if (up <= this.options.maxChunksUp) break;
      if (chunk.pinned || !chunk.persisted) continue;
      chunk.pieces = null;
      chunk.up = false;
      this.upQueue.delete(chunk);
      up--;
    }
  }

  private countOpen(): number {
    let open = 0;
    for (const byTag of this.open.values()) open += byTag.size;
    return open;
  }

  private forget(chunk: DurableChunk<I, O>): void {
    this.held.delete(chunk.id);
    this.upQueue.delete(chunk);
  }

  private async removeFile(chunk: DurableChunk<I, O>): Promise<void> {
    try {
      if (chunk.writer) await chunk.writer.remove();
      else await unlink(chunk.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.options.logger.error({ chunk: chunk.id, err: error }, `storage: cannot remove ${chunk.path} after delivery: ${(error as Error).message}; the next run delivers it again`);
    }
  }

  /** A write failed (full disk, read-only, I/O error): the chunk lives on in memory only, said once. */
  private writeFailed(chunk: DurableChunk<I, O>, error: Error): void {
    if (!chunk.persisted) return;
    chunk.persisted = false;
    this.writeFailures++;
    this.upQueue.delete(chunk); // never taken down: memory is all it has
    this.options.logger.error(
      { chunk: chunk.id, tag: chunk.tag, err: error },
      `storage: cannot write chunk ${chunk.path}: ${error.message}; its records are kept in memory and still delivered, but would not survive a crash`,
    );
  }

  /** Rewrites a chunk's file so that its header names the outputs that still owe it. */
  private async rewriteRoutes(chunk: DurableChunk<I, O>): Promise<void> {
    const remaining = chunk.routes.filter((output) => !chunk.done.includes(output)).map((output) => output.name);
    const file = parseChunkFile(await readFile(chunk.path));
    const metadata = encodeMetadataWithRoutes(chunk.tag, remaining);
    const crc = this.options.checksum ? extendCrc(startCrc(metadata), file.content) : undefined;
    const next = Buffer.concat([encodeHeader(metadata.length, file.content.length, crc), metadata, file.content]);
    const temporary = join(chunk.path, '..', `.${chunk.path.slice(chunk.path.lastIndexOf('/') + 1)}.tmp`);
    await writeFile(temporary, next, { mode: 0o600 });
    await rename(temporary, chunk.path);
  }
}

/** Creates storage.path if needed and checks that flbhost can write there. */
async function ensureWritableDirectory(path: string): Promise<void> {
  try {
    await makeDirectory(path);
    const info = await stat(path);
    if (!info.isDirectory()) throw new Error('not a directory');
    const probe = join(path, `.flbhost-write-check-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    throw new ConfigError(`storage.path ${path} cannot be used: ${(error as Error).message}`);
  }
}
