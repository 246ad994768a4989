/**
 * Where what an instance produces goes, by instance id: the handlers a
 * backend was given through attach() and attachPlugin(). Every backend
 * routes the same way, so the rule lives here once.
 */
import { getDefaultLogger, logAtFlbLevel, type HostLogger } from '../logging.js';
import type { NativeChunkFailure } from '../native.js';
import type { InstanceEvents } from './backend.js';

export class InstanceRoutes {
  // Kept for the life of the backend: a Go plugin may log from its own
  // threads after its instance closed.
  private readonly instances = new Map<number, InstanceEvents>();
  private readonly plugins = new Map<string, HostLogger>();
  private fallback?: HostLogger;

  /** The logger for lines no instance or plugin claims (the first library's loader). */
  setFallback(logger: HostLogger): void {
    this.fallback ??= logger;
  }

  attach(id: number, events: InstanceEvents): void {
    this.instances.set(id, events);
  }

  detachChunks(id: number): void {
    const events = this.instances.get(id);
    if (events?.chunk) this.instances.set(id, { logger: events.logger });
  }

  attachPlugin(name: string, logger: HostLogger): void {
    this.plugins.set(name, logger);
  }

  /** The logger attached for instance `id`, if any. */
  loggerOf(id: number): HostLogger | undefined {
    return this.instances.get(id)?.logger;
  }

  /** A plugin log line: to its instance's logger, else its plugin's, else the fallback. */
  log(instanceId: number, level: number, plugin: string, file: string, line: number, message: string): void {
    const target =
      this.instances.get(instanceId)?.logger ??
      this.plugins.get(plugin) ??
      (this.fallback ?? getDefaultLogger()).child({ plugin: plugin || 'unknown' });
    logAtFlbLevel(target, level, file ? { file, line } : {}, message);
  }

  chunk(instanceId: number, data: Buffer, events: number, format: number, failure?: NativeChunkFailure): void {
    this.instances.get(instanceId)?.chunk?.(data, events, format, failure);
  }
}
