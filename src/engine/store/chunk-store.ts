/**
 * Where a pipeline's chunks live, as Fluent Bit keeps them: one open chunk
 * per input and tag, appended to until it is sealed (at the chunk size, at
 * every Flush tick, at shutdown), each routed when it opens to the set of
 * outputs whose Match takes its tag. A chunk stays in the store until every
 * output it was routed to has settled it: delivered it, or given up on it.
 *
 * The runners only use this interface, so that a durable store (Fluent
 * Bit's `storage.type filesystem`: a file per chunk under `storage.path`,
 * the backlog re-read at start, at most `storage.max_chunks_up` chunks in
 * memory) can replace the in-memory one (memory-store.ts) without changing
 * them. What that asks of the interface:
 *
 * - Identity: a chunk has an `id` that a durable store can turn into a file
 *   name and find again after a restart. Inputs and outputs are named (their
 *   instance names), as names are all that survives a restart; within a run
 *   the store hands back the very objects it was given.
 * - Routing is fixed when a chunk opens (a durable store writes it into the
 *   chunk's header), and the store knows which routed outputs still owe the
 *   chunk an answer. The engine settles it per output.
 * - Up or down: a chunk is up when its data is in memory. A durable store
 *   may keep chunks down (on disk only) beyond `max_chunks_up` and bring
 *   them up when an output is about to flush them; the memory store's
 *   chunks are always up.
 * - Byte accounting (Mem_Buf_Limit, queue limits) and queueing are not the
 *   store's business: the engine counts the bytes routed to each output
 *   itself (byte-accounting.ts), whatever the store keeps in memory.
 */
import type { Chunk, EventFormat } from '../../events/chunk.js';

/** A chunk's identity: unique within the store, and stable across restarts for durable stores. */
export type ChunkId = string;

/** Inputs and outputs as the store sees them: by instance name (all that survives a restart). */
export interface Named {
  readonly name: string;
}

/** One appended batch, kept as it came (no copy): its bytes and their event format. */
export interface ChunkPiece {
  readonly data: Uint8Array;
  readonly format: EventFormat;
}

/**
 * What a chunk is, without its data. Handed out by the store; the engine
 * reads it and passes it back, never changes it.
 */
export interface StoredChunk<I extends Named = Named, O extends Named = Named> {
  readonly id: ChunkId;
  /** The input whose data it holds (chunks are per input and tag, like Fluent Bit's). */
  readonly input: I;
  readonly tag: string;
  /** The outputs it was routed to when it opened; fixed for the chunk's life. */
  readonly routes: readonly O[];
  readonly records: number;
  readonly bytes: number;
  /** Sealed chunks take no more appends and are handed to their outputs. */
  readonly sealed: boolean;
  /** Its data is in memory: pieces() answers at once. Down: bringUp() first. */
  readonly up: boolean;
}

/**
 * How an output is done with a chunk.
 * - delivered: the plugin returned ok.
 * - dropped: the engine gave up for good (error, Retry_Limit reached).
 * - abandoned: the run ended first (Grace over, a flush cancelled or asking
 *   for a retry after it). The memory store forgets the chunk like a drop; a
 *   durable store keeps it, still owed by that output, for the next run's
 *   backlog (as Fluent Bit leaves undelivered chunk files on disk).
 */
export type SettleOutcome = 'delivered' | 'dropped' | 'abandoned';

/** The store tells the engine about a chunk's life through these. */
export interface ChunkStoreListener<I extends Named, O extends Named> {
  /** A new chunk opened: its routed outputs owe it from now on (queuedChunks). */
  opened(chunk: StoredChunk<I, O>): void;
  /** A chunk was sealed: hand it to each output in `chunk.routes`. */
  sealed(chunk: StoredChunk<I, O>): void;
}

export interface ChunkStore<I extends Named = Named, O extends Named = Named> {
  /**
   * Appends a batch to the open chunk of (input, tag). When none is open, one
   * opens, routed to `routes` (`opened` is told). A chunk is kept within the
   * chunk size: when the batch would take it past the size the chunk is
   * sealed first and a new one opens; a chunk that reaches the size is
   * sealed at once (`sealed` is told, before append returns). Only a single
   * batch larger than the size makes a larger chunk. `routes` must not be
   * empty: data routed nowhere is not stored.
   *
   * A durable store returns a promise that resolves once the batch is
   * stored (written, and synced as storage.sync says) and rejects when it
   * could not be; the memory store returns undefined.
   */
  append(input: I, tag: string, routes: readonly O[], batch: Chunk): Promise<void> | undefined;

  /** Seals every open chunk (Flush tick, shutdown); `sealed` is told for each. */
  sealAll(): void;

  /**
   * The chunk's data, in append order. Only while it is up: the engine calls
   * bringUp() first when `up` is false. The array is the store's; the engine
   * only reads it.
   */
  pieces(chunk: StoredChunk<I, O>): readonly ChunkPiece[];

  /**
   * Brings a down chunk's data into memory (a durable store reads its file,
   * and may take another chunk down to stay within max_chunks_up). Resolves
   * at once for a chunk that is up. Asynchronous so that reading a file does
   * not block the event loop; the engine only awaits it for chunks that are
   * down, so the in-memory path stays synchronous.
   */
  bringUp(chunk: StoredChunk<I, O>): Promise<void>;

  /**
   * `output` is done with the sealed `chunk` (see SettleOutcome). Each routed
   * output settles a chunk exactly once; once every one has, the chunk is
   * removed (a durable store deletes its file, except for routes abandoned).
   * Returns whether the chunk was removed. Throws when `output` does not owe
   * the chunk, or it is not sealed: that is an engine bug, and carrying on
   * would lose or duplicate data. After close(), a settle (a flush that
   * outlived the grace period answering late) is ignored and returns false:
   * a durable store then delivers that chunk again next run (at least once).
   */
  settle(chunk: StoredChunk<I, O>, output: O, outcome: SettleOutcome): boolean;

  /**
   * Sealed chunks a previous run left behind. Called once at start, before
   * inputs run. Chunks are attributed to `owner` (the input that re-reads
   * them, as Fluent Bit's storage_backlog input does) and routed to the
   * outputs their file names (through `outputNamed`) or else by their tag
   * (`route`); a chunk no output takes stays where it is.
   * Always empty for the memory store.
   */
  backlog(owner: I, route: (tag: string) => O[], outputNamed: (name: string) => O | undefined): Promise<Array<StoredChunk<I, O>>>;

  /** Chunks held (open or sealed, not yet settled by every route). */
  readonly size: number;

  /**
   * End of the run, after every output has settled or abandoned what it
   * could: a durable store syncs and closes its files; what is still owed
   * stays for the next run. The memory store lets go of everything.
   */
  close(): Promise<void>;
}
