/**
 * Distinct files holding the same plugin. The host knows a library by its
 * real path, so each copy is a library of its own: its own Register and its
 * own lifecycle lock, which lets several of its lifecycle calls (Register,
 * Init, Exit) run at once, as they can for different plugins.
 */
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from './temp.js';

export function pluginCopies(path: string, count: number): string[] {
  const dir = tempDir('flbhost-copies-');
  const stem = basename(path, '.so');
  return Array.from({ length: count }, (_, i) => {
    const copy = join(dir, `${stem}-${i}.so`);
    copyFileSync(path, copy);
    return copy;
  });
}
