/**
 * Cuts a MessagePack byte stream into runs of complete top-level values.
 * A pipe or socket splits data anywhere, even inside a value's header, and
 * the engine takes only whole events; so bytes are buffered until the
 * values they complete can be handed over together (in runs of at most
 * the engine's chunk size), and a value that is still incomplete waits for
 * the next piece.
 *
 * Completeness is judged by the same walker that guards plugins
 * (msgpack-walk), so a value it refuses for any reason other than "the
 * bytes stop early" is corruption: the stream cannot be re-synchronised
 * after it, and MsgpackStreamCorrupt says where it starts.
 */
import { messageOf } from '../errors.js';
import { MsgpackWalkError, skipValue, TRUNCATED_MESSAGE } from '../events/msgpack-walk.js';

export class MsgpackStreamCorrupt extends Error {
  constructor(
    message: string,
    /** Offset in the stream where the refused value starts. */
    readonly streamOffset: number,
    /** The complete values before it, still worth handing over. */
    readonly complete: Uint8Array[],
  ) {
    super(message);
  }
}

const SHRINK_ABOVE = 1024 * 1024;

export class MsgpackStreamSplitter {
  /** Grows by doubling, so a large value arriving in small pieces is not re-copied per piece. */
  private storage = Buffer.alloc(0);
  /** storage[0, length) is the start of a value not yet complete. */
  private length = 0;
  /** Stream offset of storage[0], for error messages. */
  private consumed = 0;

  /**
   * @param maxValueBytes largest value waited for; a longer incomplete one is corruption.
   * @param maxRunBytes runs are cut at value boundaries to stay within this (a larger value goes alone).
   */
  constructor(
    private readonly maxValueBytes: number,
    private readonly maxRunBytes: number,
  ) {}

  /** Bytes not yet handed over (the start of an incomplete value). */
  get pendingBytes(): number {
    return this.length;
  }

  /** The start of an incomplete value, taken out of this splitter (see JsonLinesReader.takePartial). */
  takePending(): Buffer {
    const pending = Buffer.from(this.storage.subarray(0, this.length));
    this.length = 0;
    return pending;
  }

  /**
   * The complete values now available (possibly none), in runs the caller
   * may keep (copies). Throws MsgpackStreamCorrupt.
   */
  push(bytes: Uint8Array): Uint8Array[] {
    this.append(bytes);
    const data = this.storage.subarray(0, this.length);
    const ends = this.valueEnds(data);
    const end = ends.at(-1) ?? 0;
    const runs = this.runsOf(data, ends);
    this.dropFront(end);
    if (this.length > this.maxValueBytes) {
      throw new MsgpackStreamCorrupt(`a value longer than ${this.maxValueBytes} bytes is still incomplete`, this.consumed, runs);
    }
    return runs;
  }

  private append(bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (needed > this.storage.length) {
      const grown = Buffer.alloc(Math.max(needed, this.storage.length * 2, 64 * 1024));
      this.storage.copy(grown, 0, 0, this.length);
      this.storage = grown;
    }
    this.storage.set(bytes, this.length);
    this.length = needed;
  }

  private dropFront(count: number): void {
    if (count === 0) return;
    this.storage.copyWithin(0, count, this.length);
    this.length -= count;
    this.consumed += count;
    // Do not hold on to the room one huge value needed once.
    if (this.length === 0 && this.storage.length > SHRINK_ABOVE) this.storage = Buffer.alloc(0);
  }

  /** Where each complete value at the start of `data` ends. */
  private valueEnds(data: Buffer): number[] {
    const ends: number[] = [];
    let end = 0;
    while (end < data.length) {
      try {
        end = skipValue(data, end);
        ends.push(end);
      } catch (error) {
        if (error instanceof MsgpackWalkError && error.message === TRUNCATED_MESSAGE) break;
        const message = messageOf(error);
        throw new MsgpackStreamCorrupt(message, this.consumed + end, this.runsOf(data, ends));
      }
    }
    return ends;
  }

  /** data[0, last end) cut at value ends into copies of at most maxRunBytes (or one value). */
  private runsOf(data: Buffer, ends: number[]): Uint8Array[] {
    const runs: Uint8Array[] = [];
    let start = 0;
    let previous = 0;
    for (const end of ends) {
      if (end - start > this.maxRunBytes && previous > start) {
        runs.push(Buffer.from(data.subarray(start, previous)));
        start = previous;
      }
      previous = end;
    }
    if (previous > start) runs.push(Buffer.from(data.subarray(start, previous)));
    return runs;
  }
}
