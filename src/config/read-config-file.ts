/**
 * Reads a config file (the main file, an @INCLUDE / `includes:` target, a
 * plugins file) whole, with a size bound. Without one, a path that names
 * something endless — `@INCLUDE /dev/zero`, a FIFO, a log file given by
 * mistake — is read until memory or V8's string limit gives out and the
 * process aborts. Files that are not regular (character devices, FIFOs,
 * sockets) are read too, so `-c <(generate-config)` works, but never past the
 * bound.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { describeReadError } from './common.js';

/**
 * The most a config file may hold. Fluent Bit configs are a few KiB; even
 * generated ones with thousands of sections stay far under 1 MiB. 16 MiB
 * leaves a thousandfold margin while a wrong path still fails in
 * milliseconds, and the text plus its parse tree (a YAML document is several
 * times its text) stays a small part of the heap.
 */
export const CONFIG_FILE_MAX_BYTES = 16 * 1024 * 1024;

const READ_CHUNK_BYTES = 1024 * 1024;

/** The refusal message, when not a plain I/O error. */
class TooLarge extends Error {}

/**
 * Reads `file` as UTF-8 (a leading BOM dropped), refusing more than
 * `maxBytes`. `fail` turns the reason ("no such file", "... more than
 * 16 MiB ...") into the error to throw, so the caller can name the key
 * (`@INCLUDE`, `Plugins_File`) and the file:line that referred to the file.
 */
export function readConfigFile(file: string, fail: (reason: string) => Error, maxBytes = CONFIG_FILE_MAX_BYTES): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (stats.isFile() && stats.size > maxBytes) {
      throw new TooLarge(`it is ${mebibytes(stats.size)}; a config file may be at most ${mebibytes(maxBytes)}`);
    }
    return readBounded(fd, stats, maxBytes).toString('utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw fail(error instanceof TooLarge ? error.message : describeReadError(error));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads to the end, or throws TooLarge as soon as more than `maxBytes` came. */
function readBounded(fd: number, stats: Stats, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // One byte past the bound is enough to know the file does not end there.
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, maxBytes + 1 - total));
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) return Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, read));
    total += read;
    if (total > maxBytes) {
      throw new TooLarge(
        stats.isFile()
          ? `it grew past ${mebibytes(maxBytes)} while being read; a config file may be at most ${mebibytes(maxBytes)}`
          : `it is ${kindOf(stats)} that gave more than ${mebibytes(maxBytes)} without ending; a config file may be at most ${mebibytes(maxBytes)}`,
      );
    }
  }
}

function kindOf(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isFIFO()) return 'a pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

function mebibytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}
