/**
 * One generation of a pipeline: the instances one configuration made, from
 * start() to stop(). Pipeline (pipeline.ts) runs one at a time and replaces
 * it on a hot reload; everything here is about running a single plan, with
 * Fluent Bit's semantics (Tag/Match, chunks per tag flushed at 2 MB or every
 * Flush seconds, Retry_Limit with full-jitter backoff, Mem_Buf_Limit
 * pausing, a Grace period at shutdown).
 *
 * Emits 'inputsEnded' once every input has said it has no more data (stdin
 * at EOF, dummy after its samples); .so inputs never end by themselves.
 * `lib` inputs take their handles from the Pipeline (libHandle), which
 * keeps them across generations.
 */
import { EventEmitter } from 'node:events';
import { ConfigError, PluginError } from '../errors.js';
import type { Chunk } from '../events/chunk.js';
import { getDefaultLogger, type HostLogger } from '../logging.js';
import { loadPlugin } from '../proxy/library.js';
import type { PluginKind } from '../plan/properties.js';
import { builtinPlugins } from '../builtin/index.js';
import { libInputFactory, type LibInput } from '../builtin/lib-input.js';
import type { CustomInstance } from '../proxy/custom.js';
import type { PlannedPlugin } from '../plan/instances.js';
import { planPipeline, type PluginCatalog } from '../plan/pipeline-plan.js';
import { planService, type ServiceSpec } from '../plan/service.js';
import type { CustomSpec, InputSpec, OutputSpec, PipelinePlan } from '../plan/specs.js';
import type { PipelineConfig } from '../plan/config.js';
import type { InputMetrics, OutputMetrics } from '../engine/counters.js';
import { InputRunner } from '../engine/input-runner.js';
import { OutputRunner } from '../engine/output-runner.js';
import type { InputPluginFactory, OutputPlugin, OutputPluginFactory, PluginFactory } from '../engine/plugin-api.js';
import type { PluginMetric } from '../proxy/metrics.js';
import { propertiesOf } from '../engine/properties.js';
import { Router } from '../engine/router.js';
import { SoPlugin, soInputFactory, soOutputFactory } from './so-plugins.js';
import { ChildProcessBackend } from '../backend/child-process.js';
import type { ChunkStore, ChunkStoreListener, Named } from '../engine/store/chunk-store.js';
import { MemoryChunkStore } from '../engine/store/memory-store.js';
import { FilesystemChunkStore, type StorageMetrics } from '../engine/store/filesystem-store.js';
import type { ChunkSource } from '../engine/output-runner.js';

export interface Undelivered {
  chunks: number;
  records: number;
  bytes: number;
}

export interface ShutdownReport {
  /** True when everything was delivered (or dropped by a plugin's own error/retry outcome) within the grace period. */
  complete: boolean;
  /** Per output: what was still pending when the grace period ended. */
  undelivered: Record<string, Undelivered>;
  /** Instances whose exit did not finish in time. */
  exitTimedOut: string[];
  /**
   * With durable storage: the chunks left under storage.path for the next
   * start (what was not delivered within Grace, and a previous run's
   * backlog no output took). Absent without storage.path.
   */
  keptOnDisk?: Undelivered;
}

export interface PipelineMetrics {
  inputs: Record<string, InputMetrics>;
  outputs: Record<string, OutputMetrics>;
  /** Durable storage (storage.path set): chunks up and down, bytes on disk, backlog. */
  storage?: StorageMetrics;
}

type State = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What validate() checked: every plugin loaded and the plan made from the configuration. */
export interface ValidationReport {
  plugins: Array<{ path: string; name: string; kind: PluginKind }>;
  inputs: string[];
  outputs: string[];
  customs: string[];
  /** The resolved instances, exactly as start() would create them. */
  plan: PipelinePlan;
}

/** A .so the pipeline loaded (from `plugins`), and the instances of it that run. */
export interface LoadedPlugin {
  /** The path as configured. */
  path: string;
  /** The name it registered (FLBPluginRegister). */
  name: string;
  kind: PluginKind;
  /** Instance names (e.g. "loki.0") using it; empty when the file is loaded but unused. */
  instances: string[];
}

/** Every plugin a pipeline can name: built-ins, the lib input, loaded .so files, registered TS plugins. */
interface Catalog {
  factories: { input: Map<string, InputPluginFactory>; output: Map<string, OutputPluginFactory> };
  libraries: Map<string, SoPlugin>;
  planned: PluginCatalog;
}

export class PipelineGeneration extends EventEmitter {
  readonly logger: HostLogger;
  private state: State = 'created';
  private readonly inputs: InputRunner[] = [];
  private readonly outputs: OutputRunner[] = [];
  private readonly outputPlugins = new Map<OutputRunner, OutputPlugin>();
  private readonly customs: CustomInstance[] = [];
  private router?: Router;
  private flushTimer?: NodeJS.Timeout;
  private stopping?: Promise<ShutdownReport>;
  private readonly warnedUnrouted = new Set<string>();
  private readonly service: ServiceSpec;
  /** Chunks per input and tag, each routed to the outputs matching its tag (a durable store slots in here). */
  private store: ChunkStore<ChunkSource, OutputRunner>;
  /** The durable store, when storage.path is set (the same object as `store`). */
  private storage?: FilesystemChunkStore<ChunkSource, OutputRunner>;
  /** Inputs whose chunks go to disk (storage.type filesystem). */
  private readonly durableInputs = new Set<Named>();
  private readonly storeListener: ChunkStoreListener<ChunkSource, OutputRunner> = {
    opened: (chunk) => {
      for (const output of chunk.routes) output.owe();
    },
    sealed: (chunk) => {
      for (const output of chunk.routes) output.enqueue(chunk);
    },
  };
  private planned?: PipelinePlan;
  /** What validate() loaded and planned, which start() then uses. */
  private validated?: { catalog: Catalog; plan: PipelinePlan };
  /** The .so files loaded by start() (kept to say which are in use). */
  private libraries = new Map<string, SoPlugin>();
  private started?: Date;

  /** `libHandle`: the handle of the `lib` input instance of this name (kept by the Pipeline across generations). */
  constructor(
    private readonly config: PipelineConfig,
    private readonly libHandle: (instance: string) => LibInput,
  ) {
    super();
    this.logger = config.logger ?? getDefaultLogger();
    // The service settings need no plugin: refused here, before anything loads.
    this.service = planService(config.service);
    this.store = new MemoryChunkStore<ChunkSource, OutputRunner>({ chunkSize: this.service.chunkSize, listener: this.storeListener });
  }

  /** Loads plugins, makes the plan, initialises every instance (customs, outputs, then inputs), then starts the inputs. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`pipeline cannot start: it is ${this.state}`);
    this.state = 'starting';
    try {
      // A reload validated this generation first: its plugins are loaded and its plan made.
      const { catalog, plan } = this.validated ?? (await this.prepare());
      this.planned = plan;
      this.libraries = catalog.libraries;
      await this.openStorage();
      for (const spec of plan.customs) await this.startCustom(spec, catalog);
      for (const spec of plan.outputs) await this.startOutput(spec, catalog);
      this.router = new Router(plan.outputs.map(({ match, matchRegex }) => ({ match, matchRegex })));
      await this.loadBacklog();
      for (const spec of plan.inputs) await this.initInput(spec, catalog);
      this.flushTimer = setInterval(() => this.onFlushTick(), this.service.flush * 1000);
      this.flushTimer.unref();
      for (const input of this.inputs) {
        input.once('end', () => {
          if (this.inputsEnded) this.emit('inputsEnded');
        });
        await input.start();
      }
      this.state = 'running';
      this.started = new Date();
    } catch (error) {
      await this.teardownAfterFailedStart();
      throw error;
    }
  }

  /**
   * Checks the whole configuration without starting anything: every .so is
   * loaded and registered (as Fluent Bit's --dry-run does), and the plan
   * start() would follow is made. No Init runs.
   */
  async validate(): Promise<ValidationReport> {
    if (this.state !== 'created') throw new Error(`pipeline cannot be validated: it is ${this.state}`);
    const { catalog, plan } = (this.validated ??= await this.prepare());
    return {
      plugins: [...catalog.libraries.values()].map(({ probed }) => ({ path: probed.path, name: probed.name, kind: probed.kind })),
      inputs: plan.inputs.map((spec) => spec.name),
      outputs: plan.outputs.map((spec) => spec.name),
      customs: plan.customs.map((spec) => spec.name),
      plan,
    };
  }

  /** The plan start() followed: every instance as it was created (undefined before start()). */
  get plan(): PipelinePlan | undefined {
    return this.planned;
  }

  /** The [SERVICE] settings, as planned (defaults filled in). */
  get settings(): ServiceSpec {
    return this.service;
  }

  /** When start() finished (undefined before). */
  get startedAt(): Date | undefined {
    return this.started;
  }

  /** Every .so loaded by start(), with the instances that use it. */
  loadedPlugins(): LoadedPlugin[] {
    const plan = this.planned;
    const specs = plan ? [...plan.inputs, ...plan.outputs, ...plan.customs] : [];
    return [...this.libraries.values()].map(({ probed }) => ({
      path: probed.path,
      name: probed.name,
      kind: probed.kind,
      instances: specs.filter((spec) => spec.plugin.toLowerCase() === probed.name.toLowerCase()).map((spec) => spec.name),
    }));
  }

  /**
   * Chunks held now, open or sealed, in memory or under storage.path (the
   * durable ones are also in metrics().storage).
   */
  heldChunks(): number {
    return this.store.size;
  }

  /** Every input has said it has no more data. */
  get inputsEnded(): boolean {
    return this.inputs.length > 0 && this.inputs.every((i) => i.hasEnded);
  }

  /** True from the end of start() until stop() begins. */
  get running(): boolean {
    return this.state === 'running';
  }

  metrics(): PipelineMetrics {
    const metrics: PipelineMetrics = {
      inputs: Object.fromEntries(this.inputs.map((input) => [input.name, input.metrics()])),
      outputs: Object.fromEntries(this.outputs.map((output) => [output.name, output.metrics()])),
    };
    if (this.storage) metrics.storage = this.storage.metrics();
    return metrics;
  }

  /**
   * The metrics plugins keep themselves (a .so's cmetrics: calyptia's
   * fbit.Metrics counters and gauges), each labelled with plugin and instance.
   */
  async pluginMetrics(): Promise<PluginMetric[]> {
    const plugins = [...this.inputs.map((input) => input.plugin), ...this.outputPlugins.values()];
    const all = await Promise.all(plugins.map((plugin) => plugin.metrics?.() ?? Promise.resolve([])));
    const customs = await Promise.all(this.customs.map((custom) => custom.metrics()));
    return [...all, ...customs].flat();
  }

  /**
   * Graceful shutdown: inputs stop (.so inputs Pause, PreExit, Exit), open
   * chunks are closed, pending retries happen now, and in-flight flushes get
   * up to `grace` seconds (-1: as long as they need). Then outputs exit
   * (PreExit, Exit; Unregister after each .so's last instance). What could
   * not be delivered is reported per output, and logged.
   */
  stop(options: { grace?: number } = {}): Promise<ShutdownReport> {
    this.stopping ??= this.shutdown(options.grace ?? this.service.grace);
    return this.stopping;
  }

  // --- start ---------------------------------------------------------------

  private async prepare(): Promise<{ catalog: Catalog; plan: PipelinePlan }> {
    const catalog = await this.loadCatalog();
    return { catalog, plan: this.makePlan(catalog) };
  }

  private makePlan(catalog: Catalog): PipelinePlan {
    const plan = planPipeline(this.config, catalog.planned);
    for (const warning of plan.warnings) this.logger.warn(warning);
    return plan;
  }

  private async loadCatalog(): Promise<Catalog> {
    const factories = { input: new Map<string, InputPluginFactory>(), output: new Map<string, OutputPluginFactory>() };
    const add = (factory: PluginFactory, origin: string) => {
      const table = factories[factory.kind] as Map<string, PluginFactory>;
      const key = factory.name.toLowerCase();
      if (table.has(key)) this.logger.warn(`${origin} plugin '${factory.name}' replaces the ${factory.kind} plugin of the same name`);
      table.set(key, factory);
    };
    for (const factory of builtinPlugins()) add(factory, 'built-in');
    add(libInputFactory(this.libHandle), 'built-in');
    const libraries = new Map<string, SoPlugin>();
    // Every .so is registered in a probe process first (a crash there is a
    // load error); it is loaded into flbhost only for instances that run here.
    const isolation = new ChildProcessBackend();
    for (const path of this.config.plugins ?? []) {
      const probed = await loadPlugin(path, { logger: this.logger, backend: isolation });
      const plugin = new SoPlugin(probed, () => loadPlugin(path, { logger: this.logger, backend: this.config.backend }));
      libraries.set(probed.name.toLowerCase(), plugin);
      if (probed.kind === 'input') add(soInputFactory(plugin), path);
      else if (probed.kind === 'output') add(soOutputFactory(plugin), path);
    }
    for (const factory of this.config.register ?? []) add(factory, 'registered');
    const customs = new Map<string, PlannedPlugin>();
    for (const { probed } of libraries.values()) {
      if (probed.kind === 'custom') customs.set(probed.name.toLowerCase(), { kind: 'custom', name: probed.name, ...probed.traits });
    }
    return { factories, libraries, planned: { input: factories.input, output: factories.output, custom: customs } };
  }

  private async startCustom(spec: CustomSpec, catalog: Catalog): Promise<void> {
    const library = await catalog.libraries.get(spec.plugin.toLowerCase())!.library(spec.isolation);
    this.customs.push(await library.createCustom({ name: spec.name, properties: spec.properties, expandEnv: false, logLevel: spec.logLevel }));
  }

  private async startOutput(spec: OutputSpec, catalog: Catalog): Promise<void> {
    const factory = catalog.factories.output.get(spec.plugin.toLowerCase())!;
    const { name } = spec;
    const plugin = await factory.create(spec);
    const logger = this.logger.child({ plugin: factory.name, instance: name });
    const context = { name, properties: propertiesOf(spec.properties), logger };
    try {
      await plugin.init?.(context);
    } catch (error) {
      throw this.initFailure(error, factory.name, name, spec.source);
    }
    const runner = new OutputRunner({
      name,
      plugin,
      context,
      format: plugin.eventFormat ?? spec.eventFormat,
      workers: spec.workers,
      retryLimit: spec.retryLimit,
      queueLimit: spec.queueLimit,
      totalLimitSize: spec.totalLimitSize,
      store: this.store,
      schedulerBase: this.service.schedulerBase,
      schedulerCap: this.service.schedulerCap,
      onRelease: () => this.onRelease(),
    });
    this.outputs.push(runner);
    this.outputPlugins.set(runner, plugin);
  }

  /**
   * With storage.path: the durable store (the directory made and locked:
   * one process per storage.path). Without it, chunks stay in memory.
   */
  private async openStorage(): Promise<void> {
    const { storage } = this.service;
    if (storage.path === undefined) return;
    this.storage = await FilesystemChunkStore.open<ChunkSource, OutputRunner>({
      path: storage.path,
      sync: storage.sync,
      checksum: storage.checksum,
      maxChunksUp: storage.maxChunksUp,
      deleteIrrecoverable: storage.deleteIrrecoverableChunks,
      chunkSize: this.service.chunkSize,
      listener: this.storeListener,
      logger: this.logger.child({ component: 'storage' }),
      durable: (input) => this.durableInputs.has(input),
    });
    this.store = this.storage;
  }

  /**
   * A previous run's chunks under storage.path, routed again (by the outputs
   * their files name, else by tag) and queued before any input runs, as
   * Fluent Bit's storage_backlog input does. Their bytes count against each
   * output's queue limit like any chunk's, so new data waits behind them.
   */
  private async loadBacklog(): Promise<void> {
    if (!this.storage) return;
    const owner: ChunkSource = { name: 'storage_backlog', hold: () => undefined, release: () => undefined };
    const chunks = await this.storage.backlog(
      owner,
      (tag) => this.router!.route(tag).map((index) => this.outputs[index]!),
      (name) => this.outputs.find((output) => output.name === name),
    );
    for (const chunk of chunks) {
      for (const output of chunk.routes) {
        output.owe();
        output.hold(chunk.bytes);
        output.enqueue(chunk);
      }
    }
    if (chunks.length > 0) this.flushTimer?.ref();
  }

  private initFailure(error: unknown, plugin: string, instance: string, source?: string): Error {
    if (error instanceof ConfigError || error instanceof PluginError) {
      return source && error instanceof ConfigError && !error.message.startsWith(source) ? new ConfigError(`${source}: ${error.message}`) : error;
    }
    return new PluginError(`${source ? `${source}: ` : ''}${instance}: init failed: ${(error as Error)?.message ?? String(error)}`, { phase: 'init', plugin, instance }, { cause: error });
  }

  private async initInput(spec: InputSpec, catalog: Catalog): Promise<void> {
    const factory = catalog.factories.input.get(spec.plugin.toLowerCase())!;
    const { name, tag } = spec;
    const plugin = await factory.create(spec);
    const logger = this.logger.child({ plugin: factory.name, instance: name });
    const runner = new InputRunner({
      name,
      tag,
      plugin,
      context: { name, properties: propertiesOf(spec.properties), logger },
      memBufLimit: spec.memBufLimit,
      interval: spec.interval,
      chunkSize: this.service.chunkSize,
      storage: spec.storageType,
      route: (input, routeTag, chunk) => this.route(input, routeTag, chunk),
    });
    runner.on('unrouted', (unroutedTag: string, records: number) => this.onUnrouted(runner, unroutedTag, records));
    if (spec.storageType === 'filesystem') this.durableInputs.add(runner);
    try {
      await runner.init();
    } catch (error) {
      throw this.initFailure(error, factory.name, name, spec.source);
    }
    this.inputs.push(runner);
  }

  private async teardownAfterFailedStart(): Promise<void> {
    clearInterval(this.flushTimer);
    for (const input of this.inputs) await input.exit().catch(() => undefined);
    for (const plugin of this.outputPlugins.values()) await Promise.resolve(plugin.exit?.()).catch(() => undefined);
    for (const custom of this.customs) await custom.close().catch(() => undefined);
    // Nothing was delivered from it: the files (and the backlog) stay; the lock goes.
    await this.store.close().catch(() => undefined);
    this.state = 'stopped';
  }

  // --- running -------------------------------------------------------------

  private route(input: InputRunner, tag: string, chunk: Chunk): { outputs: OutputRunner[]; stored?: Promise<void> } {
    const outputs = this.router!.route(tag).map((index) => this.outputs[index]!);
    if (outputs.length === 0) return { outputs };
    // Held against the input's Mem_Buf_Limit (once per output) and each
    // output's queue limit before the store may seal and hand it over; each
    // output releases both when it settles the chunk.
    if (this.durableInputs.has(input)) for (const output of outputs) output.makeRoom(chunk.data.length);
    input.hold(chunk.data.length * outputs.length);
    for (const output of outputs) output.hold(chunk.data.length);
    const stored = this.store.append(input, tag, outputs, chunk);
    // Data is waiting: keep the process alive until it is flushed.
    this.flushTimer?.ref();
    return { outputs, stored };
  }

  private onFlushTick(): void {
    this.store.sealAll();
    if (this.outputs.every((output) => output.idle)) this.flushTimer?.unref();
  }

  private onRelease(): void {
    for (const input of this.inputs) input.reconsider();
  }

  private onUnrouted(input: InputRunner, tag: string, records: number): void {
    const key = `${input.name}\u0000${tag}`;
    if (this.warnedUnrouted.has(key)) return;
    this.warnedUnrouted.add(key);
    input.context.logger.warn({ tag, records }, `no output matches tag '${tag}': its records are counted as unrouted and dropped`);
  }

  // --- stop ----------------------------------------------------------------

  private async shutdown(grace: number): Promise<ShutdownReport> {
    if (this.state === 'created' || this.state === 'stopped') {
      this.state = 'stopped';
      return { complete: true, undelivered: {}, exitTimedOut: [] };
    }
    this.state = 'stopping';
    const deadline = grace < 0 ? Number.POSITIVE_INFINITY : Date.now() + grace * 1000;
    const exitTimedOut: string[] = [];
    const untilDeadline = <T>(work: Promise<T>): Promise<boolean> => {
      if (deadline === Number.POSITIVE_INFINITY) return work.then(() => true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
        work.then(
          () => {
            clearTimeout(timer);
            resolve(true);
          },
          () => {
            clearTimeout(timer);
            resolve(true);
          },
        );
      });
    };

    // 1. Inputs stop; what they collected before exiting is still routed.
    for (const input of this.inputs) input.stop();
    for (const input of this.inputs) {
      if (!(await untilDeadline(input.exit()))) {
        exitTimedOut.push(input.name);
        input.plugin.terminate?.();
      }
    }
    // 2. Every open chunk closes, retries stop waiting, flushes get the grace period.
    this.store.sealAll();
    for (const output of this.outputs) output.beginShutdown();
    const drained = await untilDeadline(Promise.all(this.outputs.map((output) => output.whenIdle())));
    clearInterval(this.flushTimer);

    // 3. What is left is reported, then outputs exit. Outputs close first, so
    // that chunks routed during the grace period are reported, not flushed.
    const undelivered: Record<string, Undelivered> = {};
    for (const input of this.inputs) input.refuseLateData();
    for (const output of this.outputs) output.close();
    this.store.sealAll();
    for (const output of this.outputs) {
      const left = output.abandon();
      if (left.chunks > 0) {
        undelivered[output.name] = left;
        this.logger.warn({ output: output.name, ...left }, `shutdown: ${left.records} record(s) in ${left.chunks} chunk(s) were not delivered to ${output.name} within the grace period`);
      }
    }
    const exitBound = Math.max(1000, deadline === Number.POSITIVE_INFINITY ? 0 : deadline - Date.now());
    for (const [output, plugin] of this.outputPlugins) {
      const exited = await Promise.race([
        Promise.resolve(plugin.exit?.()).then(() => true, () => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), grace < 0 ? 2 ** 31 - 1 : exitBound).unref()),
      ]);
      if (!exited) {
        exitTimedOut.push(output.name);
        plugin.terminate?.();
      }
    }
    for (const custom of this.customs) {
      const exited = await Promise.race([
        custom.close().then(() => true, () => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), grace < 0 ? 2 ** 31 - 1 : exitBound).unref()),
      ]);
      if (!exited) {
        exitTimedOut.push(custom.name);
        custom.terminate();
      }
    }
    await this.store.close();
    this.state = 'stopped';
    const report: ShutdownReport = { complete: drained && Object.keys(undelivered).length === 0, undelivered, exitTimedOut };
    if (this.storage) {
      report.keptOnDisk = this.storage.retained();
      if (report.keptOnDisk.chunks > 0) {
        this.logger.info({ ...report.keptOnDisk }, `shutdown: ${report.keptOnDisk.records} record(s) in ${report.keptOnDisk.chunks} chunk(s) stay in storage.path for the next start`);
      }
    }
    this.emit('stopped', report);
    return report;
  }
}
