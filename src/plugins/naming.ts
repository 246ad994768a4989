/**
 * How an installed plugin is named on disk: `<name>@<version>.so` in the
 * plugin directory (Plugins_Dir), e.g. `out_loki@v2.9.1.so`. The base name
 * without `.so` (`out_loki@v2.9.1`) is the plugin's id in the API and the
 * command. Name and version are each a safe path component (auth.ts's
 * unsafeNameReason): letters, digits, '.', '_' and '-', so neither can hold
 * the '@' that separates them or a '/' that would leave the directory.
 *
 * The default version, when none is given: the Go main module's version
 * when it is a release or pseudo-version (it names the source the bytes were
 * built from), else `sha256-` and the first 12 hex digits of the file's
 * SHA-256 (a C plugin, or a Go build whose version is `(devel)` or `+dirty`,
 * which say nothing about the bytes).
 */
import type { GoBuildInfo } from '../proxy/go-buildinfo.js';
import { unsafeNameReason } from '../http/auth.js';
import { PluginStoreError } from './store-error.js';

export const PLUGIN_SUFFIX = '.so';

/** Longest `<name>@<version>`: with '.so' it stays well under a file name's 255 bytes. */
export const MAX_ID_LENGTH = 200;

/** A module version that identifies source: vX.Y.Z, a pre-release or a pseudo-version; no build metadata ('+dirty', '+incompatible'). */
const MODULE_VERSION = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export interface PluginFileName {
  /** `out_loki@v2.9.1` */
  id: string;
  /** `out_loki` */
  name: string;
  /** `v2.9.1`; null for a file in the directory that carries no version (copied there by hand). */
  version: string | null;
}

/** The file name of an installed plugin. Throws (400) when either part is unsafe. */
export function pluginFileName(name: string, version: string): string {
  checkPart('name', name);
  checkPart('version', version);
  const id = `${name}@${version}`;
  if (id.length > MAX_ID_LENGTH) throw new PluginStoreError(400, `'${id}' is longer than ${MAX_ID_LENGTH} characters`);
  return `${id}${PLUGIN_SUFFIX}`;
}

/** Reads `out_loki@v2.9.1.so` (or an id without '.so'); undefined for names that are not a plugin file. */
export function parsePluginFileName(fileName: string): PluginFileName | undefined {
  const id = fileName.endsWith(PLUGIN_SUFFIX) ? fileName.slice(0, -PLUGIN_SUFFIX.length) : fileName;
  // Temporary files of installs in progress start with '.', and so are never plugins.
  if (id === '' || id.startsWith('.')) return undefined;
  const at = id.lastIndexOf('@');
  if (at < 0) return { id, name: id, version: null };
  return { id, name: id.slice(0, at), version: id.slice(at + 1) };
}

/**
 * An id given to describe or delete (`out_loki@v2.9.1`, '.so' optional):
 * each part must be safe. Throws (400) naming what is wrong.
 */
export function checkPluginId(id: string): PluginFileName {
  const bare = id.endsWith(PLUGIN_SUFFIX) ? id.slice(0, -PLUGIN_SUFFIX.length) : id;
  const reason = unsafeIdReason(bare);
  if (reason) throw new PluginStoreError(400, `'${id}' is not a plugin name: ${reason}`);
  return parsePluginFileName(bare)!;
}

function unsafeIdReason(id: string): string | undefined {
  if (id.length > MAX_ID_LENGTH) return `it is longer than ${MAX_ID_LENGTH} characters`;
  const at = id.lastIndexOf('@');
  if (at < 0) return unsafeNameReason(id);
  return unsafeNameReason(id.slice(0, at)) ?? (at === id.length - 1 ? 'the version after @ is empty' : unsafeNameReason(id.slice(at + 1)));
}

function checkPart(what: 'name' | 'version', value: string): void {
  const reason = unsafeNameReason(value);
  if (reason) throw new PluginStoreError(400, `the plugin ${what} '${value}' is refused: ${reason}`);
  if (what === 'name' && value.startsWith('flb-')) {
    throw new PluginStoreError(400, `the plugin name '${value}' is refused: 'flb-*' files are Fluent Bit native DSO plugins, which flbhost never loads`);
  }
}

/**
 * Name and version from a source file's name when the request gives none:
 * `/tmp/out_loki.so` → out_loki; `/tmp/out_loki@v2.9.1.so` → out_loki, v2.9.1.
 */
export function nameFromSourceFile(baseName: string): { name: string; version?: string } {
  // '.hidden.so' stays as it is, to be refused by pluginFileName.
  const parsed = parsePluginFileName(baseName);
  if (!parsed) return { name: baseName };
  return { name: parsed.name, version: parsed.version ?? undefined };
}

/** The version used when none is given (see the header comment). */
export function defaultVersion(go: GoBuildInfo | null, sha256: string): string {
  const version = go?.main?.version;
  if (version !== undefined && MODULE_VERSION.test(version)) return version;
  return `sha256-${sha256.slice(0, 12)}`;
}

/** The version shown for a plugin file that carries none in its name (a .so loaded from elsewhere). */
export function moduleVersion(go: GoBuildInfo | null): string | null {
  const version = go?.main?.version;
  return version !== undefined && MODULE_VERSION.test(version) ? version : null;
}
