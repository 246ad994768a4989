/**
 * The isolation backend: every instance runs in a plugin-host child process
 * of its own (src/isolation), so a plugin that crashes or hangs takes down
 * only that process, which flbhost reports and starts again. Libraries are
 * only probed here (loaded and registered in a short-lived child): flbhost
 * itself never dlopens them.
 */
import type { HostLogger } from '../logging.js';
import type { NativeLibrary } from '../native.js';
import { IsolatedLibrary } from '../isolation/isolated-library.js';
import { probeLibrary } from '../isolation/probe.js';
import type { Backend, InstanceEvents } from './backend.js';
import { InstanceRoutes } from './instance-routes.js';

export class ChildProcessBackend implements Backend {
  readonly isolation = 'process';
  private readonly routes = new InstanceRoutes();

  async loadLibrary(path: string, logger: HostLogger): Promise<NativeLibrary> {
    this.routes.setFallback(logger);
    return new IsolatedLibrary(await probeLibrary(path, logger), this.routes, logger);
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

let processBackend: ChildProcessBackend | undefined;

/** The isolation backend loadPlugin(path, { isolation: 'process' }) uses. */
export function childProcessBackend(): ChildProcessBackend {
  processBackend ??= new ChildProcessBackend();
  return processBackend;
}
