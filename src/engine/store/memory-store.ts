/**
 * The in-memory chunk store (Fluent Bit's `storage.type memory`, the
 * default): chunks are arrays of the batches appended to them, always up,
 * and gone when every output they were routed to has settled them, or the
 * process ends.
 */
import type { Chunk } from '../../events/chunk.js';
import type { ChunkPiece, ChunkStore, ChunkStoreListener, Named, SettleOutcome, StoredChunk } from './chunk-store.js';

export interface MemoryChunkStoreOptions<I extends Named, O extends Named> {
  /** A chunk is sealed once it holds this many bytes (Fluent Bit: ~2 MB). */
  chunkSize: number;
  listener: ChunkStoreListener<I, O>;
}

/** A chunk as this store keeps it; the engine sees it as a read-only StoredChunk. */
interface MemoryChunk<I extends Named, O extends Named> extends StoredChunk<I, O> {
  readonly pieces: ChunkPiece[];
  records: number;
  bytes: number;
  sealed: boolean;
  /** Routed outputs that have not settled it yet (an output listed twice owes it twice). */
  readonly owed: O[];
}

export class MemoryChunkStore<I extends Named, O extends Named> implements ChunkStore<I, O> {
  private nextId = 0;
  private closed = false;
  /** The open chunk of each input, by tag. */
  private readonly open = new Map<I, Map<string, MemoryChunk<I, O>>>();
  /** Every chunk held, open or sealed, by id. */
  private readonly held = new Map<string, MemoryChunk<I, O>>();

  constructor(private readonly options: MemoryChunkStoreOptions<I, O>) {}

  get size(): number {
    return this.held.size;
  }

  append(input: I, tag: string, routes: readonly O[], batch: Chunk): undefined {
    // The engine refuses data once its outputs have closed; a chunk opened now would never be flushed.
    if (this.closed) throw new Error(`data for tag '${tag}' appended after the store closed`);
    const bytes = batch.data.length;
    let byTag = this.open.get(input);
    if (!byTag) {
      byTag = new Map();
      this.open.set(input, byTag);
    }
    let chunk = byTag.get(tag);
    // Chunks stay within the chunk size; only a single larger batch exceeds it.
    if (chunk && chunk.bytes + bytes > this.options.chunkSize) {
      this.seal(byTag, chunk);
      chunk = undefined;
    }
    if (!chunk) {
      chunk = { id: String(this.nextId++), input, tag, routes: [...routes], owed: [...routes], pieces: [], records: 0, bytes: 0, sealed: false, up: true };
      byTag.set(tag, chunk);
      this.held.set(chunk.id, chunk);
      this.options.listener.opened(chunk);
    }
    chunk.pieces.push({ data: batch.data, format: batch.format });
    chunk.bytes += bytes;
    chunk.records += batch.events;
    if (chunk.bytes >= this.options.chunkSize) this.seal(byTag, chunk);
    return undefined;
  }

  sealAll(): void {
    for (const byTag of this.open.values()) {
      for (const chunk of [...byTag.values()]) this.seal(byTag, chunk);
    }
  }

  pieces(chunk: StoredChunk<I, O>): readonly ChunkPiece[] {
    return (chunk as MemoryChunk<I, O>).pieces;
  }

  bringUp(_chunk: StoredChunk<I, O>): Promise<void> {
    return Promise.resolve(); // always up
  }

  settle(chunk: StoredChunk<I, O>, output: O, _outcome: SettleOutcome): boolean {
    if (this.closed) return false; // a flush that outlived the grace period
    const held = this.held.get(chunk.id);
    if (held !== chunk) throw new Error(`chunk ${chunk.id} (tag '${chunk.tag}') is not in the store: settled twice?`);
    if (!held.sealed) throw new Error(`chunk ${chunk.id} (tag '${chunk.tag}') is still open: only sealed chunks are settled`);
    const at = held.owed.indexOf(output);
    if (at < 0) throw new Error(`output ${output.name} does not owe chunk ${chunk.id} (tag '${chunk.tag}'): settled twice?`);
    held.owed.splice(at, 1);
    if (held.owed.length > 0) return false;
    // Delivered or given up by every route: nothing keeps it. (Abandoned
    // routes are forgotten too: memory does not outlive the run.)
    this.held.delete(held.id);
    return true;
  }

  backlog(_owner: I, _route: (tag: string) => O[], _outputNamed: (name: string) => O | undefined): Promise<Array<StoredChunk<I, O>>> {
    return Promise.resolve([]); // nothing outlives a run in memory
  }

  close(): Promise<void> {
    this.closed = true;
    this.open.clear();
    this.held.clear();
    return Promise.resolve();
  }

  private seal(byTag: Map<string, MemoryChunk<I, O>>, chunk: MemoryChunk<I, O>): void {
    byTag.delete(chunk.tag);
    chunk.sealed = true;
    this.options.listener.sealed(chunk);
  }
}
