/**
 * The in-process backend: plugins run on native threads of this process,
 * through the addon (native/). One per JS environment, because the addon's
 * handlers are: each worker_thread loads its own copy.
 */
import { getDefaultLogger, logAtFlbLevel, type HostLogger } from '../logging.js';
import { nativeAddon, type NativeAddon, type NativeLibrary } from '../native.js';
import type { Backend, InstanceEvents } from './backend.js';

export class InProcessBackend implements Backend {
  // Kept for the life of the environment, like the native instance objects:
  // a Go plugin may log from its own threads after its instance closed.
  private readonly instances = new Map<number, InstanceEvents>();
  private readonly plugins = new Map<string, HostLogger>();
  private fallback?: HostLogger;

  constructor(private readonly addon: NativeAddon) {
    addon.setLogHandler((level, plugin, instanceId, file, line, message) => {
      const target =
        this.instances.get(instanceId)?.logger ??
        this.plugins.get(plugin) ??
        (this.fallback ?? getDefaultLogger()).child({ plugin: plugin || 'unknown' });
      logAtFlbLevel(target, level, file ? { file, line } : {}, message);
    });
    addon.setInputHandler((id, chunk, events, format, failure) => this.instances.get(id)?.chunk?.(chunk, events, format, failure));
  }

  loadLibrary(path: string, logger: HostLogger): Promise<NativeLibrary> {
    this.fallback ??= logger;
    return this.addon.loadLibrary(path);
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
}

let environmentBackend: InProcessBackend | undefined;

/** The backend loadPlugin() uses when given none: this environment's addon, in process. */
export function inProcessBackend(): InProcessBackend {
  environmentBackend ??= new InProcessBackend(nativeAddon());
  return environmentBackend;
}
