/**
 * One chunk file being written: created with its header and metadata, then
 * appended to, each append followed by the header's new length and CRC, so
 * the file is whole after every append (a kill -9 loses at most the append
 * under way). Operations on one file run in order, off the event loop
 * (fs.promises on libuv's pool), and never block a caller.
 *
 * storage.sync decides when data is forced to disk:
 * - normal: never by flbhost; the kernel writes the page cache back in its
 *   own time. A file survives the process being killed, not a power loss.
 * - full: fdatasync after every append (and the directory after the file is
 *   created), before the append's promise resolves: what was acknowledged
 *   survives a power loss.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeHeader, encodeMetadata, extendCrc, HEADER_BYTES, startCrc } from './chunk-file.js';

export type StorageSync = 'normal' | 'full';

export class ChunkFileWriter {
  private tail: Promise<unknown> = Promise.resolve();
  private handle?: FileHandle;
  private contentLength = 0;
  private crc: number;
  private readonly metaLength: number;
  /** The first write error: later appends are not attempted (the file would be inconsistent). */
  private failure?: Error;

  constructor(
    readonly path: string,
    tag: string,
    private readonly sync: StorageSync,
    private readonly checksum: boolean,
  ) {
    const metadata = encodeMetadata(tag);
    this.metaLength = metadata.length;
    this.crc = startCrc(metadata);
    void this.run(async () => {
      this.handle = await open(path, 'wx', 0o600);
      await this.handle.write(Buffer.concat([encodeHeader(this.metaLength, 0, checksum ? this.crc : undefined), metadata]), 0, undefined, 0);
      if (sync === 'full') {
        await this.handle.datasync();
        // The new name must survive too.
        const directory = await open(dirname(path), 'r');
        try {
          await directory.sync();
        } finally {
          await directory.close();
        }
      }
    });
  }

  /** The bytes this file takes once every queued append is written. */
  get fileBytes(): number {
    return HEADER_BYTES + this.metaLength + this.contentLength;
  }

  /** Appends `data` to the content; resolves once written (and synced, with storage.sync full). */
  append(data: Uint8Array): Promise<void> {
    const at = HEADER_BYTES + this.metaLength + this.contentLength;
    this.contentLength += data.length;
    const length = this.contentLength;
    if (this.checksum) this.crc = extendCrc(this.crc, data);
    const crc = this.checksum ? this.crc : undefined;
    return this.run(async () => {
      const handle = this.handle!;
      await handle.write(data, 0, data.length, at);
      // Bytes 2..13: CRC, the zero word after it, the content length.
      await handle.write(encodeHeader(this.metaLength, length, crc).subarray(2, 14), 0, 12, 2);
      if (this.sync === 'full') await handle.datasync();
    });
  }

  /** Resolves once every operation queued so far has finished (whether or not it failed). */
  settled(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /** Closes the file once everything queued is written. */
  close(): Promise<void> {
    return this.run(async () => {
      await this.handle?.close();
      this.handle = undefined;
    }, true);
  }

  /** Closes and deletes the file (every output is done with the chunk). */
  remove(): Promise<void> {
    return this.run(async () => {
      await this.handle?.close();
      this.handle = undefined;
      await unlink(this.path);
    }, true);
  }

  /** Queues `work` after everything before it; a failed write fails what follows, except closing. */
  private run(work: () => Promise<void>, evenAfterFailure = false): Promise<void> {
    const result = this.tail.then(async () => {
      if (this.failure && !evenAfterFailure) throw this.failure;
      try {
        await work();
      } catch (error) {
        this.failure ??= error as Error;
        throw error;
      }
    });
    this.tail = result.catch(() => undefined);
    // The caller may not wait for it; an unobserved failure must not end the process.
    result.catch(() => undefined);
    return result;
  }
}
