/**
 * Installing a plugin: the bytes go to a temporary file inside the plugin
 * directory, are probed there, and only then get their `<name>@<version>.so`
 * name, in one atomic step. A file that is not a plugin, or whose Register
 * crashes, never appears under a plugin name, and nothing is left behind.
 *
 *   receive   a local file is copied, an upload streamed (never held in
 *             memory), both hashed and bounded by MAX_PLUGIN_BYTES
 *   probe     loaded and registered in a child process (src/isolation/probe.ts
 *             through the isolation backend): a segfault or a Go panic in
 *             init()/Register is a 422 with the probe's error, not a crash
 *   place     link(temp, final) then unlink(temp): atomic and never replaces
 *             a file (rename would). The same name@version with the same
 *             bytes is "unchanged" (a retry of an install is not an error);
 *             with other bytes it is a 409.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { HostLogger } from '../logging.js';
import type { InspectReport } from '../proxy/inspect.js';
import { fileFacts, sha256File, type InspectCache } from './inspect-cache.js';
import { defaultVersion, nameFromSourceFile, pluginFileName } from './naming.js';
import { PluginStoreError } from './store-error.js';
import { withDirectoryLock } from './directory-lock.js';

/**
 * The largest plugin accepted, uploaded or copied. Go plugins are 5 to 40 MB
 * (a Go runtime, cgo, the plugin's dependencies); 256 MiB leaves room for the
 * largest with debug information while keeping a client that sends without
 * end from filling the disk.
 */
export const MAX_PLUGIN_BYTES = 256 * 1024 * 1024;

/** Temporary files of installs that died (a killed process) are removed once older than this. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const TEMP_PREFIX = '.install-';

export type InstallSource =
  /** A file on this host. */
  | { path: string }
  /** The bytes of an upload; `from` says who sent them (for the log). */
  | { stream: Readable; from: string };

export interface InstallRequest {
  source: InstallSource;
  /** Default: the source file's name without '.so' (and without an '@version' it carries); required for uploads. */
  name?: string;
  /** Default: a version the source file's name carries, else defaultVersion() (naming.ts). */
  version?: string;
  /** Default MAX_PLUGIN_BYTES. */
  maxBytes?: number;
}

export interface InstallResult {
  /** `out_loki@v2.9.1` */
  id: string;
  /** The installed file (absolute). */
  path: string;
  version: string;
  sha256: string;
  size: number;
  /** The same name@version with the same bytes was installed already: nothing changed. */
  unchanged: boolean;
  /** What the probe found (its paths are the installed file's). */
  report: InspectReport;
}

/** Installs into `dir` (created if missing). Throws PluginStoreError for every refusal. */
export async function installPlugin(dir: string, request: InstallRequest, cache: InspectCache, logger: HostLogger): Promise<InstallResult> {
  const maxBytes = request.maxBytes ?? MAX_PLUGIN_BYTES;
  const fromPath = 'path' in request.source ? request.source.path : undefined;
  const derived = fromPath !== undefined ? nameFromSourceFile(basename(fromPath)) : undefined;
  const name = request.name ?? derived?.name;
  if (name === undefined) throw new PluginStoreError(400, 'an upload needs a name (?name=out_loki)');
  const given = request.version ?? derived?.version;
  // Refuse unsafe names before a byte is received.
  pluginFileName(name, given ?? 'v0');

  await mkdir(dir, { recursive: true });
  await removeStaleTemps(dir);
  const temp = join(dir, `${TEMP_PREFIX}${randomUUID()}.so`);
  const label = fromPath ?? `${name} (${'from' in request.source ? `uploaded by ${request.source.from}` : 'upload'})`;
  try {
    const { size, sha256 } = fromPath !== undefined ? await copyIn(fromPath, temp, maxBytes) : await receive((request.source as { stream: Readable }).stream, temp, maxBytes);
    if (size === 0) throw new PluginStoreError(422, `${label}: the file is empty`);
    const facts = await fileFacts(temp);
    if (!facts) throw new Error(`${temp} vanished while it was being installed`);
    const probed = await cache.inspect(temp, facts, sha256);
    if (!probed.report) throw new PluginStoreError(422, (probed.error ?? 'the probe failed').split(temp).join(label));
    const version = given ?? defaultVersion(probed.report.go, sha256);
    const fileName = pluginFileName(name, version);
    const final = join(dir, fileName);
    const unchanged = await withDirectoryLock(dir, () => place(temp, final, sha256));
    const id = fileName.slice(0, -'.so'.length);
    const realPath = await realpath(final);
    if (unchanged) logger.info(`plugins: ${id} is already installed with the same bytes (sha256 ${sha256}); nothing changed`);
    else logger.info({ plugin: probed.report.name, kind: probed.report.type, sha256 }, `plugins: installed ${id} (${probed.report.type} '${probed.report.name}', ${size} bytes) from ${label}`);
    return { id, path: final, version, sha256, size, unchanged, report: { ...probed.report, path: final, realPath } };
  } finally {
    await rm(temp, { force: true });
  }
}

/** Moves the probed temp file to `final` without ever replacing a file; true when `final` already held these bytes. */
async function place(temp: string, final: string, sha256: string): Promise<boolean> {
  try {
    await link(temp, final);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return sameBytes(final, sha256);
    // A filesystem without hard links: check, then rename (the directory lock keeps this process's installs apart).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw error;
    if (await stat(final).then(() => true, () => false)) return sameBytes(final, sha256);
    await rename(temp, final);
    return false;
  }
}

async function sameBytes(final: string, sha256: string): Promise<boolean> {
  const existing = await sha256File(final);
  if (existing === sha256) return true;
  const id = basename(final, '.so');
  throw new PluginStoreError(409, `${id} is already installed with other bytes (sha256 ${existing}, this one ${sha256}); delete it first or install under another version`, {
    existing: { path: final, sha256: existing },
  });
}

async function copyIn(source: string, temp: string, maxBytes: number): Promise<{ size: number; sha256: string }> {
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new PluginStoreError(422, `${source}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) throw new PluginStoreError(422, `${source}: not a regular file`);
  if (info.size > maxBytes) throw new PluginStoreError(413, `${source} is ${info.size} bytes; plugins larger than ${maxBytes} bytes are refused`);
  await copyFile(source, temp);
  // Hashed from the copy: the bytes that will be probed and installed, even if the source changes meanwhile.
  const copied = await stat(temp);
  if (copied.size > maxBytes) throw new PluginStoreError(413, `${source} grew past ${maxBytes} bytes while it was copied`);
  return { size: copied.size, sha256: await sha256File(temp) };
}

/**
 * Streams `input` into `temp`, hashing as it goes, with backpressure from
 * the disk. Past `maxBytes` it stops reading (413); the caller answers and
 * closes the connection.
 */
function receive(input: Readable, temp: string, maxBytes: number): Promise<{ size: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
    const hash = createHash('sha256');
    let size = 0;
    let settled = false;
    let ended = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      input.pause();
      out.destroy();
      // The temp file is removed by the caller once the stream has let go of it.
      out.once('close', () => reject(error));
    };
    input.on('data', (part: Buffer) => {
      if (settled) return;
      size += part.length;
      if (size > maxBytes) return fail(new PluginStoreError(413, `the upload is larger than ${maxBytes} bytes, the most a plugin may have`));
      hash.update(part);
      if (!out.write(part)) {
        input.pause();
        out.once('drain', () => {
          if (!settled) input.resume();
        });
      }
    });
    input.on('end', () => {
      ended = true;
      if (settled) return;
      out.end();
      out.once('close', () => {
        if (settled) return;
        settled = true;
        resolve({ size, sha256: hash.digest('hex') });
      });
    });
    input.on('error', (error) => fail(new PluginStoreError(400, `the upload failed: ${error.message}`)));
    input.on('close', () => {
      if (!ended) fail(new PluginStoreError(400, 'the upload ended before its last byte (the connection closed)'));
    });
    out.on('error', (error) => fail(error));
  });
}

async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
  }
}
