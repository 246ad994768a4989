import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const pluginsDir = join(repoRoot, 'build', 'plugins');

/** A C plugin built by `npm install` into build/plugins. */
export function cPlugin(name: string): string {
  return join(pluginsDir, `${name}.so`);
}
