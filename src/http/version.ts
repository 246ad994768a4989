/** flbhost's version, from its package.json (as `flbhost --version` prints it). */
import { readFileSync } from 'node:fs';

export const FLBHOST_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
