/**
 * Typed errors. Every failure that involves a plugin says which plugin, which
 * instance, in which phase of its life, and what it returned.
 */

/** Phase of a plugin's life in which something failed. */
export type PluginPhase = 'load' | 'register' | 'init' | 'flush' | 'collect' | 'exit';

/** Base class: `code` is a stable machine-readable identifier. */
export class FlbhostError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface PluginErrorDetails {
  phase: PluginPhase;
  /** The .so path as given by the user. */
  path?: string;
  /** Registered plugin name, when known. */
  plugin?: string;
  /** Instance name ("jsonl.0"), when the failure belongs to one. */
  instance?: string;
  /** The plugin's own return value, when it returned one. */
  returnCode?: number;
  /** dlerror() text, verbatim, when dlopen failed. */
  dlerror?: string;
}

/** A plugin could not be loaded, registered, initialised, called or closed. */
export class PluginError extends FlbhostError {
  readonly phase: PluginPhase;
  readonly path?: string;
  readonly plugin?: string;
  readonly instance?: string;
  readonly returnCode?: number;
  readonly dlerror?: string;

  constructor(message: string, details: PluginErrorDetails, options?: ErrorOptions) {
    super(`ERR_PLUGIN_${details.phase.toUpperCase()}`, message, options);
    this.phase = details.phase;
    this.path = details.path;
    this.plugin = details.plugin;
    this.instance = details.instance;
    this.returnCode = details.returnCode;
    this.dlerror = details.dlerror;
  }
}

/**
 * A flush was handed to an instance but dropped before the plugin saw it
 * (OutputInstance.cancelQueued(), used at the end of the grace period).
 */
export class FlushCancelledError extends FlbhostError {
  constructor(instance: string, tag: string) {
    super('ERR_FLUSH_CANCELLED', `${instance}: the flush of a chunk tagged '${tag}' was cancelled before the plugin started it`);
  }
}

/** A chunk is not the MessagePack a plugin may safely be handed. */
export class ChunkError extends FlbhostError {
  /** Index of the offending event in the chunk (0-based). */
  readonly event: number;
  /** Byte offset where decoding failed. */
  readonly offset: number;

  constructor(message: string, event: number, offset: number) {
    super('ERR_INVALID_CHUNK', `invalid chunk: event ${event} at byte ${offset}: ${message}`);
    this.event = event;
    this.offset = offset;
  }
}

/** An option or property given to flbhost is wrong. */
export class ConfigError extends FlbhostError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
  }
}

/**
 * How a hot reload (Pipeline.reload) failed to switch:
 *   in progress  another reload is running; nothing was done
 *   not running  the pipeline is not running (not started, or stopping)
 *   refused      the new configuration is invalid (checked before anything
 *                stopped): the running pipeline goes on untouched
 *   rolled back  the new configuration failed to start after the old one
 *                had stopped; the old configuration was started again
 *   halted       neither started: nothing runs any more
 */
export type ReloadFailure = 'in progress' | 'not running' | 'refused' | 'rolled back' | 'halted';

export class ReloadError extends FlbhostError {
  readonly failure: ReloadFailure;
  /** Whether a pipeline runs after this failure (false only when halted). */
  readonly running: boolean;

  constructor(failure: ReloadFailure, message: string, options?: ErrorOptions) {
    super(`ERR_RELOAD_${failure.replace(' ', '_').toUpperCase()}`, message, options);
    this.failure = failure;
    this.running = failure !== 'halted' && failure !== 'not running';
  }
}

/** The message of anything thrown: an Error's message, else its text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
