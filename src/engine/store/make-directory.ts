/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns
 * on some filesystems (measured on Node 20: `mkdir('/proc/x', { recursive:
 * true })` spins for ever, because /proc answers ENOENT for a parent that
 * exists), and a storage.path on a read-only or pseudo filesystem must be a
 * clear error, not a hang.
 */
import { mkdir } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export async function makeDirectory(path: string, mode = 0o755): Promise<void> {
  for (const level of levels(path)) {
    try {
      await mkdir(level, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export function makeDirectorySync(path: string, mode = 0o755): void {
  for (const level of levels(path)) {
    try {
      mkdirSync(level, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** "/a/b/c" → ["/a", "/a/b", "/a/b/c"]. */
function levels(path: string): string[] {
  const all: string[] = [];
  for (let at = resolve(path); dirname(at) !== at; at = dirname(at)) all.unshift(at);
  return all;
}
