/**
 * .so plugins inside a pipeline: one SoPlugin per file, and adapters from a
 * PluginLibrary's instances to the engine's InputPlugin / OutputPlugin
 * interface.
 */
import type { EventFormat } from '../events/chunk.js';
import { trustedChunk, validateChunk } from '../events/chunk.js';
import type { InputChunk, InputInstance } from '../proxy/input.js';
import type { PluginLibrary } from '../proxy/library.js';
import type { PluginMetric } from '../proxy/metrics.js';
import type { FlushResult, OutputInstance } from '../proxy/output.js';
import type { Isolation } from '../plan/config.js';
import type {
  InputContext,
  InputPlugin,
  InputPluginFactory,
  InstanceSettings,
  OutputChunk,
  OutputContext,
  OutputPlugin,
  OutputPluginFactory,
  SupervisionCounts,
} from '../engine/plugin-api.js';

/**
 * One .so as a pipeline uses it. `probed` was loaded through the isolation
 * backend: registered in a probe process only, it says what the plugin is
 * and creates isolated instances. The library is loaded into flbhost
 * itself only when an instance runs there (Isolation none, the default).
 */
export class SoPlugin {
  private inProcess?: Promise<PluginLibrary>;

  constructor(
    readonly probed: PluginLibrary,
    private readonly loadInProcess: () => Promise<PluginLibrary>,
  ) {}

  library(isolation: Isolation = 'none'): Promise<PluginLibrary> {
    if (isolation === 'process') return Promise.resolve(this.probed);
    this.inProcess ??= this.loadInProcess();
    return this.inProcess;
  }
}

class SoInput implements InputPlugin {
  readonly name: string;
  private instance?: InputInstance;

  constructor(
    private readonly plugin: SoPlugin,
    private readonly settings: InstanceSettings,
  ) {
    this.name = plugin.probed.name;
  }

  async init(ctx: InputContext): Promise<void> {
    const library = await this.plugin.library(this.settings.isolation);
    this.instance = await library.createInput({
      name: ctx.name,
      tag: ctx.tag,
      properties: ctx.properties.entries(),
      expandEnv: false,
      logLevel: this.settings.logLevel,
      interval: this.settings.interval,
    });
  }

  start(ctx: InputContext): void {
    // Checked on the input thread already: routed as they are, no walk in JS.
    this.instance!.on('chunk', (chunk: InputChunk) => {
      // Mixed shapes (rare) are made uniform; otherwise no walk at all.
      const trusted = chunk.format === 'mixed' ? validateChunk(chunk.data, 'v2') : trustedChunk(chunk.data, chunk.format, chunk.events);
      ctx.sink.chunk(trusted);
    });
  }

  pause(): void {
    this.instance?.pause();
  }

  resume(): void {
    this.instance?.resume();
  }

  async exit(): Promise<void> {
    await this.instance?.close();
  }

  metrics(): Promise<PluginMetric[]> {
    return this.instance ? this.instance.metrics() : Promise.resolve([]);
  }

  supervision(): SupervisionCounts | undefined {
    return this.instance?.supervision();
  }

  terminate(): void {
    this.instance?.terminate();
  }
}

class SoOutput implements OutputPlugin {
  readonly name: string;
  readonly eventFormat: EventFormat;
  /** The instance queues flushes and runs `workers` at once (native threads, or its child's). */
  readonly queuesFlushes = true;
  private instance?: OutputInstance;

  constructor(
    private readonly plugin: SoPlugin,
    private readonly settings: InstanceSettings,
  ) {
    this.name = plugin.probed.name;
    this.eventFormat = settings.eventFormat ?? 'v1';
  }

  async init(ctx: OutputContext): Promise<void> {
    const library = await this.plugin.library(this.settings.isolation);
    // Resolved by the plan (workers, event format): started as they are.
    this.instance = await library.startOutput({
      name: ctx.name,
      properties: ctx.properties.entries(),
      logLevel: this.settings.logLevel,
      workers: this.settings.workers ?? 1,
      eventFormat: this.eventFormat,
      flushTimeout: this.settings.flushTimeout ?? 0,
      flushMergeLimit: this.settings.flushMergeLimit ?? 0,
    });
  }

  flush(chunk: OutputChunk): Promise<FlushResult> {
    const pieces = chunk.pieces();
    return pieces ? this.instance!.flushPieces(chunk.tag, pieces) : this.instance!.flush(chunk.tag, chunk.chunk);
  }

  cancelQueued(): void {
    this.instance?.cancelQueued();
  }

  async exit(): Promise<void> {
    await this.instance?.close();
  }

  metrics(): Promise<PluginMetric[]> {
    return this.instance ? this.instance.metrics() : Promise.resolve([]);
  }

  supervision(): SupervisionCounts | undefined {
    return this.instance?.supervision();
  }

  terminate(): void {
    this.instance?.terminate();
  }
}

export function soInputFactory(plugin: SoPlugin): InputPluginFactory {
  const { probed } = plugin;
  return { kind: 'input', name: probed.name, description: probed.description, ...probed.traits, create: (settings) => new SoInput(plugin, settings) };
}

export function soOutputFactory(plugin: SoPlugin): OutputPluginFactory {
  const { probed } = plugin;
  return { kind: 'output', name: probed.name, description: probed.description, ...probed.traits, create: (settings) => new SoOutput(plugin, settings) };
}
