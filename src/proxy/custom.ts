/**
 * A custom plugin instance: FLBPluginInit (reading its properties through
 * custom_get_property) at creation, FLBPluginExit at close. Custom plugins
 * never receive data.
 */
import type { HostLogger, LogLevelName } from '../logging.js';
import type { NativeCustom } from '../native.js';
import { parsePrometheusText, type PluginMetric } from './metrics.js';
import type { PluginLibrary } from './library.js';
import { instanceLogger, instanceSettings, startNativeInstance } from './instance-setup.js';
import type { PropertiesInput } from '../plan/properties.js';

export interface CustomOptions {
  name?: string;
  properties?: PropertiesInput;
  logLevel?: LogLevelName;
  /** Expand ${ENV} in property values (default true; false when already expanded). */
  expandEnv?: boolean;
}

export class CustomInstance {
  readonly plugin: PluginLibrary;
  readonly name: string;
  readonly id: number;
  readonly logger: HostLogger;
  private readonly native: NativeCustom;
  private closing?: Promise<void>;

  /** @internal use PluginLibrary.createCustom() */
  constructor(plugin: PluginLibrary, native: NativeCustom, logger: HostLogger) {
    this.plugin = plugin;
    this.native = native;
    this.name = native.name;
    this.id = native.id;
    this.logger = logger;
  }

  /** FLBPluginExit, on a plugin thread. Idempotent. */
  /**
   * What the plugin recorded in its metrics context (calyptia's
   * fbit.Metrics counters and gauges), read through its own cmetrics code,
   * labelled with plugin and instance. Empty for plugins without metrics.
   */
  async metrics(): Promise<PluginMetric[]> {
    return parsePrometheusText(await this.native.metrics(), { plugin: this.plugin.name, instance: this.name });
  }

  close(): Promise<void> {
    this.closing ??= this.native.close();
    return this.closing;
  }

  /** Crashes and restarts of an isolated instance (undefined in process). */
  supervision(): ReturnType<NonNullable<NativeCustom['supervision']>> | undefined {
    return this.native.supervision?.();
  }

  /** The close did not finish in time: an isolated instance's child is killed. */
  terminate(): void {
    this.native.terminate?.();
  }
}

/** @internal */
export async function createCustomInstance(plugin: PluginLibrary, options: CustomOptions): Promise<CustomInstance> {
  const native = plugin.native.createCustom({ name: options.name, ...instanceSettings(plugin, 'custom', options) });
  const logger = instanceLogger(plugin, native);
  await startNativeInstance(plugin, native, logger);
  return new CustomInstance(plugin, native, logger);
}
