/**
 * The in-process backend: plugins run on native threads of this process,
 * through the addon (native/). One per JS environment, because the addon's
 * handlers are: each worker_thread loads its own copy.
 *
 * Each library is checked in a plugin-host child first (isolation/probe.ts):
 * a .so whose Go init() panics or whose Register crashes fails there, with
 * a report, instead of taking this process down.
 */
import type { HostLogger } from '../logging.js';
import { nativeAddon, type NativeAddon, type NativeLibrary } from '../native.js';
import { probeLibrary } from '../isolation/probe.js';
import type { Backend, InstanceEvents } from './backend.js';
import { InstanceRoutes } from './instance-routes.js';

export class InProcessBackend implements Backend {
  readonly isolation = 'none';
  private readonly routes = new InstanceRoutes();

  constructor(private readonly addon: NativeAddon) {
    addon.setLogHandler((level, plugin, instanceId, file, line, message) => this.routes.log(instanceId, level, plugin, file, line, message));
    addon.setInputHandler((id, chunk, events, format, failure) => this.routes.chunk(id, chunk, events, format, failure));
  }

  async loadLibrary(path: string, logger: HostLogger): Promise<NativeLibrary> {
    this.routes.setFallback(logger);
    await probeLibrary(path, logger);
    return this.addon.loadLibrary(path);
  }

  attach(id: number, events: InstanceEvents): void {
    this.routes.attach(id, events);
  }

  detachChunks(id: number): void {
    this.routes.detachChunks(id);
  }

  attachPlugin(name: string, logger: HostLogger): void {
    this.routes.attachPlugin(name, logger);
  }
}

let environmentBackend: InProcessBackend | undefined;

/** The backend loadPlugin() uses when given none: this environment's addon, in process. */
export function inProcessBackend(): InProcessBackend {
  environmentBackend ??= new InProcessBackend(nativeAddon());
  return environmentBackend;
}
