/**
 * The installed package's root directory (where package.json, build/ and
 * prebuilds/ are), and its version. The one use of `import.meta.url`: this
 * file sits directly under src/ (dist/ once built), and the CommonJS bundles
 * (dist/*.cjs, scripts/build-js.mjs) sit in dist/ too, where their shim of
 * `import.meta.url` names the bundle, so `..` is the package root in both.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot: string = join(dirname(fileURLToPath(import.meta.url)), '..');

/** flbhost's version, from its package.json (as `flbhost --version` prints it). */
export const FLBHOST_VERSION: string = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
