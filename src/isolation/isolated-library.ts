/**
 * A .so as the isolation backend sees it (NativeLibrary, as the addon's):
 * what its probe's Register said, and a factory of instances that each get
 * a child process of their own. Nothing of the plugin runs in flbhost.
 */
import type { HostLogger } from '../logging.js';
import type { InstanceRoutes } from '../backend/instance-routes.js';
import { PLUGIN_TYPE, type NativeCustomOptions, type NativeInputOptions, type NativeLibrary, type NativeLibraryInfo, type NativeOutputOptions } from '../native.js';
import { IsolatedCustom } from './isolated-custom.js';
import { IsolatedInput } from './isolated-input.js';
import { IsolatedOutput } from './isolated-output.js';
import type { IsolatedInstanceSpec } from './supervised-instance.js';

/**
 * Isolated instance ids: apart from the addon's (which count from 1), so a
 * log line's instance id says which kind it is.
 */
let nextIsolatedId = 1_000_000_001;

export class IsolatedLibrary implements NativeLibrary {
  private nextIndex = 0;

  constructor(
    private readonly probed: NativeLibraryInfo,
    private readonly routes: InstanceRoutes,
    private readonly logger: HostLogger,
  ) {}

  info(): NativeLibraryInfo {
    return { ...this.probed, liveInstances: 0 };
  }

  createOutput(options: NativeOutputOptions): IsolatedOutput {
    return new IsolatedOutput(this.spec(PLUGIN_TYPE.output, options, { workers: options.workers, mergeLimit: options.mergeLimit }), options.flushTimeout ?? 0);
  }

  createInput(options: NativeInputOptions): IsolatedInput {
    return new IsolatedInput(this.spec(PLUGIN_TYPE.input, options, { intervalNs: options.intervalNs, bufferLimit: options.bufferLimit }));
  }

  createCustom(options: NativeCustomOptions): IsolatedCustom {
    return new IsolatedCustom(this.spec(PLUGIN_TYPE.custom, options, {}));
  }

  private spec(
    type: 1 | 2 | 3,
    options: NativeCustomOptions,
    extra: Pick<IsolatedInstanceSpec, 'workers' | 'mergeLimit' | 'intervalNs' | 'bufferLimit'>,
  ): IsolatedInstanceSpec {
    if (this.probed.type !== type) {
      const names = { 1: 'input', 2: 'output', 3: 'custom' } as const;
      const error = new Error(`'${this.probed.name}' is not an ${names[type]} plugin`) as Error & { phase?: string };
      error.phase = 'init';
      throw error;
    }
    return {
      id: nextIsolatedId++,
      name: options.name ?? `${this.probed.name}.${this.nextIndex++}`,
      type,
      path: this.probed.path,
      plugin: this.probed.name,
      properties: options.properties,
      logLevel: options.logLevel,
      routes: this.routes,
      logger: this.logger,
      ...extra,
    };
  }
}
