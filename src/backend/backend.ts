/**
 * The seam between flbhost and whatever runs plugin code. Everything above
 * it (the .so layer in src/proxy, the pipeline, the command) is given a
 * Backend and never reaches for the addon itself, so a second
 * implementation — a child process hosting the same native core, for
 * isolation — slots in without changing them.
 *
 * A backend loads libraries (whose instances it creates, flushes, stops and
 * reads metrics from: the Native* interfaces of src/native.ts), and sends
 * what instances produce — log lines, input chunks — to the handlers
 * attached for each instance id.
 */
import type { HostLogger } from '../logging.js';
import type { NativeChunkFailure, NativeLibrary } from '../native.js';

/** Where one instance's output goes. Kept for the life of the backend: a Go plugin may log after its instance closed. */
export interface InstanceEvents {
  /** The instance's logger: its plugin log lines are written through it. */
  logger: HostLogger;
  /** Inputs: each checked chunk (see NativeAddon.setInputHandler for the arguments). */
  chunk?(data: Buffer, events: number, format: number, failure?: NativeChunkFailure): void;
}

export interface Backend {
  /** Where plugin code runs: 'none' in this process, 'process' in a child per instance. */
  readonly isolation: 'none' | 'process';
  /** dlopen + Register of a .so (see NativeAddon.loadLibrary), its log lines going to `logger` until an instance claims them. */
  loadLibrary(path: string, logger: HostLogger): Promise<NativeLibrary>;
  /** Routes what instance `id` produces to `events`. */
  attach(id: number, events: InstanceEvents): void;
  /** Stops delivering input chunks to instance `id` (its log lines still find its logger). */
  detachChunks(id: number): void;
  /** The logger for lines of plugin `name` that no instance claims (from a plugin's own threads, say). */
  attachPlugin(name: string, logger: HostLogger): void;
}
