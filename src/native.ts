/**
 * The typed surface of the C++ addon (native/addon.cc): the one place that
 * knows its shape. Everything else imports from here, so a second backend
 * (a child process hosting the plugin, say) only has to provide these types.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nativeBinaries } from './binaries.js';
import { packageRoot } from './package-root.js';

/** Numeric plugin type written by FLBPluginRegister. */
export const PLUGIN_TYPE = { input: 1, output: 2, custom: 3 } as const;

/** What FLBPluginRegister wrote, plus which proxy symbols the .so exports. */
export interface NativeLibraryInfo {
  /** Real path the library was loaded from. */
  path: string;
  name: string;
  description: string;
  /** 1 input, 2 output, 3 custom. */
  type: number;
  flags: number;
  /** Output event types bitmask (1 logs, 2 metrics, 4 traces); 0 means logs. */
  eventType: number;
  /** The FLBPlugin* symbols (and cmetrics' cmt_* the host uses) found by dlsym. */
  exports: string[];
  /** Instances of this library alive now, in the whole process. */
  liveInstances: number;
}

export interface NativeOutputOptions {
  /** Instance name; the addon numbers one ("name.N") when absent. */
  name?: string;
  /** Final properties in config order: env-expanded, reserved keys removed. */
  properties: Array<[string, string]>;
  /** Fluent Bit log level number answered by output_log_check (0 off … 5 trace). */
  logLevel: number;
  /** Native threads, and so concurrent flushes, for this instance. */
  workers: number;
  /**
   * Flush_Timeout in seconds (0: none). Only a backend that can stop a
   * flush enforces it (the isolation backend kills the child); the addon
   * ignores it, and the proxy layer only logs.
   */
  flushTimeout?: number;
  /** Bytes of queued chunks of one tag a worker may pass in one flush (0: one chunk per flush). */
  mergeLimit?: number;
}

export interface NativeInputOptions {
  name?: string;
  properties: Array<[string, string]>;
  logLevel: number;
  /** Time between callback starts, in ns; 0 = call again as soon as it returned. */
  intervalNs: number;
  /** Bytes handed to JS and not yet released at which the plugin is paused; 0 = unbounded. */
  bufferLimit: number;
}

export interface NativeCustomOptions {
  name?: string;
  properties: Array<[string, string]>;
  logLevel: number;
}

/**
 * What a backend that supervises its instances (src/isolation) adds to
 * them; the addon's instances have none of it.
 */
export interface SupervisedNative {
  /** Crashes, flush timeouts and restarts so far, and whether it was given up. */
  supervision?(): { crashes: number; flushTimeouts: number; restarts: number; failed: boolean };
  /** Ends the instance by force (its close did not finish within the grace period). */
  terminate?(): void;
}

/** A loaded .so. Many handles may share one process-wide library. */
export interface NativeLibrary {
  info(): NativeLibraryInfo;
  /** Creates an instance; nothing runs until start(). */
  createOutput(options: NativeOutputOptions): NativeOutput;
  createInput(options: NativeInputOptions): NativeInput;
  createCustom(options: NativeCustomOptions): NativeCustom;
}

export interface NativeInputStats {
  collects: number;
  /** Callback calls that returned -1. */
  collectErrors: number;
  chunks: number;
  bytes: number;
  /** FLBPluginInputPause calls. */
  pauses: number;
  /** Chunks lost to out-of-memory or a vanished JS environment. */
  droppedChunks: number;
  /** Handed to JS, not yet released. */
  outstandingBytes: number;
  /** The most that was ever outstanding: the bound actually reached. */
  peakOutstandingBytes: number;
  /** Chunks with malformed data (their valid leading events were kept). */
  malformedChunks: number;
  /** The plugin is paused now (by the application or by backpressure). */
  paused: boolean;
}

/**
 * One input instance and its thread. Chunks arrive through the environment's
 * input handler (see NativeAddon.setInputHandler) as Buffers that own the one
 * copy made of the plugin's data; JS must release() their bytes once consumed.
 */
export interface NativeInput extends SupervisedNative {
  readonly id: number;
  readonly name: string;
  /** FLBPluginInit (+ InputPreRun), then the poll loop. Resolves with Init's return value. */
  start(): Promise<number>;
  release(bytes: number): void;
  setPaused(paused: boolean): void;
  stats(): NativeInputStats;
  /** Pause, InputPreExit(0), Exit on the input thread, then Unregister after the last instance. */
  close(): Promise<void>;
  setLogLevel(level: number): void;
  /** While true, the instance keeps the process alive (like a listening socket). */
  setKeepAlive(keep: boolean): void;
  metrics(): Promise<string>;
  /**
   * The configured property keys the plugin has not looked up (through
   * *_get_property, case-insensitively) so far, in config order, each once.
   */
  unreadProperties(): string[];
}

/** One custom instance: FLBPluginInit at start, FLBPluginExit at close. */
export interface NativeCustom extends SupervisedNative {
  readonly id: number;
  readonly name: string;
  start(): Promise<number>;
  close(): Promise<void>;
  metrics(): Promise<string>;
  /**
   * The configured property keys the plugin has not looked up (through
   * *_get_property, case-insensitively) so far, in config order, each once.
   */
  unreadProperties(): string[];
}

/**
 * One output instance and its native thread(s). Every method only queues
 * work; promises settle when a plugin thread is done.
 */
export interface NativeOutput extends SupervisedNative {
  /** Process-wide unique id; log lines carry it. */
  readonly id: number;
  readonly name: string;
  /** FLBPluginInit (+ OutputPreRun). Resolves with Init's return value. */
  start(): Promise<number>;
  /**
   * FLBPluginFlushCtx / FLBPluginFlush. Resolves with the plugin's raw
   * return code, or null when cancelQueued() dropped it before it started.
   * `data` (one chunk, or its pieces in order) is copied into memory the
   * flush owns before this returns.
   */
  flush(tag: string, data: Uint8Array | Uint8Array[]): Promise<number | null>;
  /** Drops the flushes queued but not started (they resolve null); returns how many. */
  cancelQueued(): number;
  /** OutputPreExit(0), ExitCtx or Exit, then Unregister after the last instance. */
  close(): Promise<void>;
  setLogLevel(level: number): void;
  /** The plugin's metrics in Prometheus text, via its own cmetrics ("" when none). */
  metrics(): Promise<string>;
  /**
   * The configured property keys the plugin has not looked up (through
   * *_get_property, case-insensitively) so far, in config order, each once.
   */
  unreadProperties(): string[];
}

/** Called on the JS thread for every line a plugin logs through log_print. */
export type NativeLogHandler = (
  level: number,
  plugin: string,
  instanceId: number,
  file: string,
  line: number,
  message: string,
) => void;

export interface NativeAddon {
  /**
   * dlopen(RTLD_NOW|RTLD_LOCAL) + PreRegister(0) + Register, on a native
   * thread. Rejects with an Error carrying `phase` ('load' | 'register') and,
   * when dlopen failed, `dlerror` (verbatim).
   */
  loadLibrary(path: string): Promise<NativeLibrary>;
  setLogHandler(handler: NativeLogHandler): void;
  /**
   * Receives every input chunk of this environment, with its instance's id.
   * Chunks were checked on the input thread: `chunk` holds `events` valid
   * events (timestamps rewritten as EventTime where needed), `format` says
   * which shapes occur (1 v1, 2 v2, 3 both), and `failure` describes
   * malformed data that followed them, if any.
   */
  setInputHandler(handler: (instanceId: number, chunk: Buffer, events: number, format: number, failure?: NativeChunkFailure) => void): void;
  /**
   * JSON lines (newline-separated: records, `[time, record]` or
   * `[[time, metadata], record]`) to chunks of events, on the calling
   * thread. Exactness rules: docs/json.md.
   */
  jsonLinesToChunks(data: Uint8Array, options?: NativeJsonLinesOptions): NativeJsonLinesResult;
  /** jsonLinesToChunks on the libuv pool; `data` must not change until it settles. */
  jsonLinesToChunksAsync(data: Uint8Array, options?: NativeJsonLinesOptions): Promise<NativeJsonLinesResult>;
  /** One JSON value (blanks around it allowed) as MessagePack; throws a SyntaxError-named Error. */
  jsonToMsgpack(data: Uint8Array, maxDepth?: number): Buffer;
}

/** Options of jsonLinesToChunks (native/json_lines.h). */
export interface NativeJsonLinesOptions {
  /** Number of the batch's first line (default 1): problems carry line numbers from it. */
  firstLine?: number;
  /** Longer lines (bytes) are reported and skipped (default 16 MiB). */
  maxLineBytes?: number;
  /** A chunk is closed once it reaches this many bytes (default 2 MiB). */
  maxChunkBytes?: number;
  /** Objects and arrays nested deeper are refused (default 100). */
  maxDepth?: number;
  /**
   * In a record line `{...}`: the first top-level member with this key whose
   * value is epoch milliseconds (a number) or an RFC 3339 string becomes the
   * event's time and leaves the record (pino's `time`); docs/json.md.
   */
  timeKey?: string;
  /** Only `{...}` lines are events; `[time, record]` lines are problems ("expected a JSON object"). */
  objectsOnly?: boolean;
}

/** One chunk of events made from JSON lines: valid by construction. */
export interface NativeJsonChunk {
  /** Owns its memory (no copy was made handing it to JS). */
  data: Buffer;
  events: number;
  format: 'v1' | 'v2';
}

export interface NativeJsonLinesResult {
  chunks: NativeJsonChunk[];
  /** Lines that are not events: 1-based line number and why. */
  problems: Array<{ line: number; message: string }>;
  /** Lines seen: every newline, plus a last line without one. */
  lines: number;
}

export interface NativeChunkFailure {
  event: number;
  offset: number;
  message: string;
}

/** Error shape the addon rejects with. */
export interface NativeError extends Error {
  phase?: string;
  dlerror?: string;
}

/** Where the addon is loaded from (see binaries.ts for the rule). */
export function addonPath(): string {
  return nativeBinaries().addon;
}

let loaded: NativeAddon | undefined;

/** Loads the addon once per JS environment (each worker_thread loads its own). */
export function nativeAddon(): NativeAddon {
  if (loaded) return loaded;
  const require = createRequire(join(packageRoot, 'package.json'));
  loaded = require(addonPath()) as NativeAddon;
  return loaded;
}
