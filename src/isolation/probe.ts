/**
 * The loading probe: a .so is loaded and registered in a plugin-host child
 * before anything else is done with it. dlopen runs a Go plugin's package
 * init()s and Register is plugin code; a panic or a crash there (or a
 * truncated file that raises SIGBUS when mapped) ends the child, and is
 * reported as a load error, instead of ending flbhost or the service that
 * embeds it.
 *
 * One probe per file version per process: the result is kept by device,
 * inode, size and modification time. Failures are not kept (the file may be fixed).
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { logAtFlbLevel, type HostLogger } from '../logging.js';
import type { NativeError, NativeLibraryInfo } from '../native.js';
import { describeExit, HostExitedError, PluginHostProcess, stderrSuffix } from './plugin-host-process.js';

/** A Register that has not returned by then is reported as hanging. */
export const PROBE_TIMEOUT_MS = 30_000;

const probed = new Map<string, Promise<NativeLibraryInfo>>();

/** Loads and registers `path` in a child; resolves with what Register said, rejects like the addon's loadLibrary. */
export async function probeLibrary(path: string, logger: HostLogger): Promise<NativeLibraryInfo> {
  // The file itself (device and inode: a hard link is the same library), as it is now.
  const info = await stat(path).catch(() => undefined);
  const key = info ? `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}` : path;
  let result = probed.get(key);
  if (!result) {
    result = runProbe(path, logger);
    probed.set(key, result);
    result.catch(() => probed.delete(key));
  }
  return result;
}

async function runProbe(path: string, logger: HostLogger): Promise<NativeLibraryInfo> {
  const lines: Array<[number, string, string]> = [];
  const host = new PluginHostProcess(`probe ${basename(path)}`, 'probe', {
    log: (level, plugin, _file, _line, message) => lines.push([level, plugin, message]),
  });
  const timer = setTimeout(() => host.kill(`loading did not finish within ${PROBE_TIMEOUT_MS / 1000} s`), PROBE_TIMEOUT_MS);
  try {
    const loaded = await host.load(path);
    if (!loaded.ok) throw nativeError(loaded.message, loaded.phase, loaded.dlerror || undefined);
    // Register's own lines show again when the library is loaded for real.
    return loaded.info;
  } catch (error) {
    // What the plugin logged before it failed explains the failure.
    for (const [level, plugin, message] of lines) logAtFlbLevel(logger.child({ plugin: plugin || basename(path) }), level, {}, message);
    if (!(error instanceof HostExitedError)) throw error;
    const { exit } = error;
    const said = stderrSuffix(exit, 'it wrote');
    throw nativeError(`the plugin crashed while being loaded and registered (dlopen, a Go plugin's package init()s, FLBPluginRegister) in a probe process: ${describeExit(exit)}${said}`, 'load');
  } finally {
    clearTimeout(timer);
    host.end();
    host.setReferenced(false);
  }
}

function nativeError(message: string, phase: string, dlerror?: string): NativeError {
  const error = new Error(message) as NativeError;
  error.phase = phase;
  if (dlerror) error.dlerror = dlerror;
  return error;
}
