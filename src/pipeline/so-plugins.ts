/**
 * .so plugins inside a pipeline: adapters from a PluginLibrary's instances to
 * the engine's InputPlugin / OutputPlugin interface.
 */
import type { EventFormat } from '../events/chunk.js';
import { trustedChunk, validateChunk } from '../events/chunk.js';
import type { InputChunk, InputInstance } from '../proxy/input.js';
import type { PluginLibrary } from '../proxy/library.js';
import type { PluginMetric } from '../proxy/metrics.js';
import type { FlushResult, OutputInstance } from '../proxy/output.js';
import type { InputContext, InputPlugin, InputPluginFactory, InstanceSettings, OutputChunk, OutputContext, OutputPlugin, OutputPluginFactory } from '../engine/plugin-api.js';

type SoInstanceSettings = InstanceSettings;

class SoInput implements InputPlugin {
  readonly name: string;
  private instance?: InputInstance;

  constructor(
    private readonly library: PluginLibrary,
    private readonly settings: SoInstanceSettings,
  ) {
    this.name = library.name;
  }

  async init(ctx: InputContext): Promise<void> {
    this.instance = await this.library.createInput({
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
}

class SoOutput implements OutputPlugin {
  readonly name: string;
  readonly eventFormat: EventFormat;
  /** native/output_instance queues flushes and runs `workers` at once. */
  readonly queuesFlushes = true;
  private instance?: OutputInstance;

  constructor(
    private readonly library: PluginLibrary,
    private readonly settings: SoInstanceSettings,
  ) {
    this.name = library.name;
    this.eventFormat = settings.eventFormat ?? 'v1';
  }

  async init(ctx: OutputContext): Promise<void> {
    // Resolved by the plan (workers, event format): started as they are.
    this.instance = await this.library.startOutput({
      name: ctx.name,
      properties: ctx.properties.entries(),
      logLevel: this.settings.logLevel,
      workers: this.settings.workers ?? 1,
      eventFormat: this.eventFormat,
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
}

export function soInputFactory(library: PluginLibrary): InputPluginFactory {
  return { kind: 'input', name: library.name, description: library.description, ...library.traits, create: (settings) => new SoInput(library, settings) };
}

export function soOutputFactory(library: PluginLibrary): OutputPluginFactory {
  return { kind: 'output', name: library.name, description: library.description, ...library.traits, create: (settings) => new SoOutput(library, settings) };
}
