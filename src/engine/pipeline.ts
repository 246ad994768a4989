/**
 * A pipeline: inputs → routing and chunking → outputs, with Fluent Bit's
 * semantics (Tag/Match, chunks per tag flushed at 2 MB or every Flush
 * seconds, Retry_Limit with full-jitter backoff, Mem_Buf_Limit pausing,
 * a Grace period at shutdown).
 *
 *   const pipeline = new Pipeline({ inputs: [{ name: 'lib', tag: 'app' }],
 *     plugins: ['./out_loki.so'], outputs: [{ name: 'loki', match: '*', properties: { url } }] });
 *   await pipeline.start();
 *   pipeline.input('lib.0').push({ msg: 'hello' });
 *   const report = await pipeline.stop();
 *
 * Emits 'inputsEnded' once every input has said it has no more data (stdin
 * at EOF, dummy after its samples); .so inputs never end by themselves.
 */
import { EventEmitter } from 'node:events';
import { ConfigError, PluginError } from '../errors.js';
import type { Chunk, EventFormat } from '../events/chunk.js';
import { getDefaultLogger, type HostLogger } from '../logging.js';
import { loadPlugin, type PluginLibrary } from '../plugin/library.js';
import { prepareProperties, type PluginKind, type PropertiesInput } from '../plugin/properties.js';
import { builtinPlugins } from '../builtin/index.js';
import { libInputFactory, type LibInput } from '../builtin/lib-input.js';
import type { CustomInstance } from '../plugin/custom.js';
import { DEFAULTS, type CustomConfig, type InputConfig, type OutputConfig, type PipelineConfig } from './config.js';
import type { InputMetrics, OutputMetrics } from './counters.js';
import { InputRunner } from './input-runner.js';
import { OutputRunner } from './output-runner.js';
import type { InputPluginFactory, OutputPlugin, OutputPluginFactory, PluginFactory } from './plugin-api.js';
import type { PluginMetric } from '../plugin/metrics.js';
import { parseRetryLimit, parseSeconds, parseSize, propertiesOf } from './properties.js';
import { Router } from './router.js';
import { soInputFactory, soOutputFactory } from './so-plugins.js';
import type { ChunkStore } from './store/chunk-store.js';
import { MemoryChunkStore } from './store/memory-store.js';

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
}

export interface PipelineMetrics {
  inputs: Record<string, InputMetrics>;
  outputs: Record<string, OutputMetrics>;
}

type State = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What validate() checked: every plugin loaded and every instance's settings. */
export interface ValidationReport {
  plugins: Array<{ path: string; name: string; kind: PluginKind }>;
  inputs: string[];
  outputs: string[];
  customs: string[];
}

interface ResolvedOutput {
  factory: OutputPluginFactory;
  name: string;
  visible: Array<[string, string]>;
  workers: number;
  retryLimit: number;
  queueLimit: number;
  eventFormat: EventFormat;
  match?: string;
  matchRegex?: string;
}

interface ResolvedInput {
  factory: InputPluginFactory;
  name: string;
  tag: string;
  visible: Array<[string, string]>;
  memBufLimit: number;
}

/** A property taken from `properties` when the typed field is absent (keys are case-insensitive). */
function reservedValue(reserved: Array<[string, string]>, key: string): string | undefined {
  return reserved.find(([k]) => k.toLowerCase() === key)?.[1];
}

export class Pipeline extends EventEmitter {
  readonly logger: HostLogger;
  private state: State = 'created';
  private readonly inputs: InputRunner[] = [];
  private readonly outputs: OutputRunner[] = [];
  private readonly outputPlugins = new Map<OutputRunner, OutputPlugin>();
  private readonly customs: CustomInstance[] = [];
  private readonly libInputs = new Map<string, LibInput>();
  private router?: Router;
  private flushTimer?: NodeJS.Timeout;
  private stopping?: Promise<ShutdownReport>;
  private readonly warnedUnrouted = new Set<string>();
  private readonly service: { flush: number; grace: number; schedulerBase: number; schedulerCap: number; chunkSize: number };

  constructor(private readonly config: PipelineConfig) {
    super();
    this.logger = config.logger ?? getDefaultLogger();
    const s = config.service ?? {};
    this.service = {
      flush: parseSeconds(s.flush ?? DEFAULTS.flush, 'service.flush'),
      grace: parseSeconds(s.grace ?? DEFAULTS.grace, 'service.grace', true),
      schedulerBase: parseSeconds(s.schedulerBase ?? DEFAULTS.schedulerBase, 'service.scheduler.base'),
      schedulerCap: parseSeconds(s.schedulerCap ?? DEFAULTS.schedulerCap, 'service.scheduler.cap'),
      chunkSize: parseSize(s.chunkSize ?? DEFAULTS.chunkSize, 'service.chunk_size'),
    };
    if (this.service.flush <= 0) throw new ConfigError(`service.flush: must be more than 0 seconds`);
  }

  /** Loads plugins, initialises every instance (outputs first), then starts the inputs. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`pipeline cannot start: it is ${this.state}`);
    this.state = 'starting';
    try {
      const factories = await this.resolveFactories();
      for (const custom of this.config.customs ?? []) await this.startCustom(custom, factories.libraries);
      for (const [index, output] of (this.config.outputs ?? []).entries()) await this.startOutput(output, index, factories.outputs);
      this.router = new Router(this.outputRules);
      for (const [index, input] of (this.config.inputs ?? []).entries()) await this.initInput(input, index, factories.inputs);
      this.flushTimer = setInterval(() => this.onFlushTick(), this.service.flush * 1000);
      this.flushTimer.unref();
      for (const input of this.inputs) {
        input.once('end', () => {
          if (this.inputs.length > 0 && this.inputs.every((i) => i.hasEnded)) this.emit('inputsEnded');
        });
        await input.start();
      }
      this.state = 'running';
    } catch (error) {
      await this.teardownAfterFailedStart();
      throw error;
    }
  }

  /**
   * Checks the whole configuration without starting anything: every .so is
   * loaded and registered (as Fluent Bit's --dry-run does), every plugin
   * name is known, and every setting parses. No Init runs.
   */
  async validate(): Promise<ValidationReport> {
    if (this.state !== 'created') throw new Error(`pipeline cannot be validated: it is ${this.state}`);
    const factories = await this.resolveFactories();
    const report: ValidationReport = {
      plugins: [...factories.libraries.values()].map((library) => ({ path: library.path, name: library.name, kind: library.kind })),
      inputs: [],
      outputs: [],
      customs: [],
    };
    for (const custom of this.config.customs ?? []) {
      this.located(custom.source, () => this.customLibrary(custom, factories.libraries));
      report.customs.push(custom.alias ?? custom.name);
    }
    (this.config.outputs ?? []).forEach((output, index) => report.outputs.push(this.resolveOutput(output, index, factories.outputs).name));
    (this.config.inputs ?? []).forEach((input, index) => report.inputs.push(this.resolveInput(input, index, factories.inputs).name));
    this.instanceCounts.clear();
    return report;
  }

  /** The handle of a `lib` input, by instance name (Alias, or "lib.N"). */
  input(name: string): LibInput {
    const handle = this.libInputs.get(name);
    if (!handle) {
      const known = [...this.libInputs.keys()];
      throw new Error(`no lib input named '${name}'${known.length ? `; lib inputs: ${known.join(', ')}` : ' (the pipeline has none)'}`);
    }
    return handle;
  }

  metrics(): PipelineMetrics {
    return {
      inputs: Object.fromEntries(this.inputs.map((input) => [input.name, input.metrics()])),
      outputs: Object.fromEntries(this.outputs.map((output) => [output.name, output.metrics()])),
    };
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

  private async resolveFactories(): Promise<{
    inputs: Map<string, InputPluginFactory>;
    outputs: Map<string, OutputPluginFactory>;
    libraries: Map<string, PluginLibrary>;
  }> {
    const inputs = new Map<string, InputPluginFactory>();
    const outputs = new Map<string, OutputPluginFactory>();
    const add = (factory: PluginFactory, origin: string) => {
      const table = factory.kind === 'input' ? (inputs as Map<string, PluginFactory>) : (outputs as Map<string, PluginFactory>);
      const key = factory.name.toLowerCase();
      if (table.has(key)) this.logger.warn(`${origin} plugin '${factory.name}' replaces the ${factory.kind} plugin of the same name`);
      table.set(key, factory);
    };
    for (const factory of builtinPlugins()) add(factory, 'built-in');
    add(libInputFactory((handle) => this.pendingLib.push(handle)), 'built-in');
    const libraries = new Map<string, PluginLibrary>();
    for (const path of this.config.plugins ?? []) {
      const library = await loadPlugin(path, { logger: this.logger });
      libraries.set(library.name.toLowerCase(), library);
      if (library.kind === 'input') add(soInputFactory(library), path);
      else if (library.kind === 'output') add(soOutputFactory(library), path);
    }
    for (const factory of this.config.register ?? []) add(factory, 'registered');
    return { inputs, outputs, libraries };
  }

  private readonly outputRules: Array<{ match?: string; matchRegex?: string }> = [];
  private readonly pendingLib: LibInput[] = [];
  private readonly instanceCounts = new Map<string, number>();

  private instanceName(plugin: string, alias?: string): string {
    if (alias) return alias;
    const n = this.instanceCounts.get(plugin) ?? 0;
    this.instanceCounts.set(plugin, n + 1);
    return `${plugin}.${n}`;
  }

  private unknownPlugin(kind: PluginKind, name: string, known: Iterable<string>): ConfigError {
    const list = [...known].sort();
    return new ConfigError(`unknown ${kind} plugin '${name}'; known ${kind}s: ${list.length > 0 ? list.join(', ') : 'none'}`);
  }

  private prepared(kind: PluginKind, properties: PropertiesInput | undefined, where: string, expand = true) {
    return prepareProperties(kind, properties, {
      expand,
      onMissingEnv: (name) => this.logger.warn(`${where}: environment variable \${${name}} is not set; it expands to nothing`),
    });
  }

  private customLibrary(config: CustomConfig, libraries: Map<string, PluginLibrary>): PluginLibrary {
    const library = libraries.get(config.name.toLowerCase());
    if (!library || library.kind !== 'custom') {
      const known = [...libraries.values()].filter((l) => l.kind === 'custom').map((l) => l.name);
      throw this.unknownPlugin('custom', config.name, known);
    }
    return library;
  }

  private async startCustom(config: CustomConfig, libraries: Map<string, PluginLibrary>): Promise<void> {
    const library = this.located(config.source, () => this.customLibrary(config, libraries));
    const name = this.instanceName(library.name, config.alias);
    const { visible } = this.prepared('custom', config.properties, name, config.expandEnv);
    this.customs.push(await library.createCustom({ name, properties: visible, expandEnv: false, logLevel: config.logLevel }));
  }

  /** Prefixes a configuration error with where the instance was configured. */
  private located<T>(source: string | undefined, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (source && error instanceof ConfigError && !error.message.startsWith(source)) {
        throw new ConfigError(`${source}: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * The steps every input and output starts with: find its plugin, split its
   * properties into the plugin's and the host's (reserved), and name it.
   */
  private identify<F extends PluginFactory>(
    kind: 'input' | 'output',
    config: InputConfig | OutputConfig,
    index: number,
    factories: Map<string, F>,
  ) {
    const factory = factories.get(config.name.toLowerCase());
    if (!factory) throw this.unknownPlugin(kind, config.name, [...factories.values()].map((f) => f.name));
    const { visible, reserved } = this.prepared(kind, config.properties, config.source ?? `${kind}s[${index}]`, config.expandEnv);
    const name = this.instanceName(factory.name, config.alias ?? reservedValue(reserved, 'alias'));
    return { factory, name, visible, reserved };
  }

  /** Everything about an output that can be known without starting it. */
  private resolveOutput(config: OutputConfig, index: number, factories: Map<string, OutputPluginFactory>): ResolvedOutput {
    return this.located(config.source, () => {
      const { factory, name, visible, reserved } = this.identify('output', config, index, factories);
      const workersValue = config.workers ?? reservedValue(reserved, 'workers') ?? DEFAULTS.workers;
      const workers = Number(workersValue);
      if (!Number.isInteger(workers) || workers < 1) throw new ConfigError(`${name}: workers: '${workersValue}' is not a positive integer`);
      const retryLimit = parseRetryLimit(config.retryLimit ?? reservedValue(reserved, 'retry_limit') ?? DEFAULTS.retryLimit, `${name}: retry_limit`);
      const queueLimit = parseSize(config.queueLimit ?? reservedValue(reserved, 'storage.total_limit_size') ?? DEFAULTS.queueLimit, `${name}: storage.total_limit_size`);
      const match = config.match ?? reservedValue(reserved, 'match');
      const matchRegex = config.matchRegex ?? reservedValue(reserved, 'match_regex');
      if (matchRegex !== undefined) {
        try {
          new RegExp(matchRegex);
        } catch (error) {
          throw new ConfigError(`${name}: match_regex: ${(error as Error).message}`);
        }
      }
      return { factory, name, visible, workers, retryLimit, queueLimit, eventFormat: config.eventFormat ?? 'v1', match, matchRegex };
    });
  }

  private resolveInput(config: InputConfig, index: number, factories: Map<string, InputPluginFactory>): ResolvedInput {
    return this.located(config.source, () => {
      const { factory, name, visible, reserved } = this.identify('input', config, index, factories);
      const tag = config.tag ?? reservedValue(reserved, 'tag') ?? name;
      const memBufLimitValue = config.memBufLimit ?? reservedValue(reserved, 'mem_buf_limit');
      const memBufLimit = memBufLimitValue === undefined ? 0 : parseSize(memBufLimitValue, `${name}: mem_buf_limit`);
      return { factory, name, tag, visible, memBufLimit };
    });
  }

  private async startOutput(config: OutputConfig, index: number, factories: Map<string, OutputPluginFactory>): Promise<void> {
    const resolved = this.resolveOutput(config, index, factories);
    const { factory, name, visible, workers, retryLimit, queueLimit, eventFormat, match, matchRegex } = resolved;
    const plugin = await factory.create({ workers, eventFormat, logLevel: config.logLevel });
    const logger = this.logger.child({ plugin: factory.name, instance: name });
    const context = { name, properties: propertiesOf(visible), logger };
    try {
      await plugin.init?.(context);
    } catch (error) {
      throw this.initFailure(error, factory.name, name, config.source);
    }
    if (match === undefined && matchRegex === undefined) logger.warn('no Match or Match_Regex: this output receives nothing');
    const runner = new OutputRunner({
      name,
      plugin,
      context,
      format: plugin.eventFormat ?? eventFormat,
      workers,
      retryLimit,
      queueLimit,
      store: this.store,
      schedulerBase: this.service.schedulerBase,
      schedulerCap: this.service.schedulerCap,
      onRelease: () => this.onRelease(),
    });
    this.outputs.push(runner);
    this.outputRules.push({ match, matchRegex });
    this.outputPlugins.set(runner, plugin);
  }

  private initFailure(error: unknown, plugin: string, instance: string, source?: string): Error {
    if (error instanceof ConfigError || error instanceof PluginError) {
      return source && error instanceof ConfigError && !error.message.startsWith(source) ? new ConfigError(`${source}: ${error.message}`) : error;
    }
    return new PluginError(`${source ? `${source}: ` : ''}${instance}: init failed: ${(error as Error)?.message ?? String(error)}`, { phase: 'init', plugin, instance }, { cause: error });
  }

  private async initInput(config: InputConfig, index: number, factories: Map<string, InputPluginFactory>): Promise<void> {
    const { factory, name, tag, visible, memBufLimit } = this.resolveInput(config, index, factories);
    const plugin = await factory.create({ logLevel: config.logLevel, interval: config.interval });
    const logger = this.logger.child({ plugin: factory.name, instance: name });
    const runner = new InputRunner({
      name,
      tag,
      plugin,
      context: { name, properties: propertiesOf(visible), logger },
      memBufLimit,
      interval: config.interval ?? DEFAULTS.interval,
      chunkSize: this.service.chunkSize,
      route: (input, routeTag, chunk) => this.route(input, routeTag, chunk),
    });
    runner.on('unrouted', (unroutedTag: string, records: number) => this.onUnrouted(runner, unroutedTag, records));
    try {
      await runner.init();
    } catch (error) {
      throw this.initFailure(error, factory.name, name, config.source);
    }
    this.inputs.push(runner);
    for (const handle of this.pendingLib.splice(0)) this.libInputs.set(name, handle);
  }

  private async teardownAfterFailedStart(): Promise<void> {
    clearInterval(this.flushTimer);
    for (const input of this.inputs) await input.exit().catch(() => undefined);
    for (const plugin of this.outputPlugins.values()) await Promise.resolve(plugin.exit?.()).catch(() => undefined);
    for (const custom of this.customs) await custom.close().catch(() => undefined);
    this.state = 'stopped';
  }

  // --- running -------------------------------------------------------------

  private storeValue?: ChunkStore<InputRunner, OutputRunner>;

  /** Chunks per input and tag, each routed to the outputs matching its tag; made on first use. */
  private get store(): ChunkStore<InputRunner, OutputRunner> {
    this.storeValue ??= new MemoryChunkStore<InputRunner, OutputRunner>({
      chunkSize: this.service.chunkSize,
      listener: {
        opened: (chunk) => {
          for (const output of chunk.routes) output.owe();
        },
        sealed: (chunk) => {
          for (const output of chunk.routes) output.enqueue(chunk);
        },
      },
    });
    return this.storeValue;
  }

  private route(input: InputRunner, tag: string, chunk: Chunk): OutputRunner[] {
    const targets = this.router!.route(tag).map((index) => this.outputs[index]!);
    if (targets.length === 0) return targets;
    // Held against each output's queue limit before the store may seal and hand it over.
    for (const output of targets) output.hold(chunk.data.length);
    this.store.append(input, tag, targets, chunk);
    // Data is waiting: keep the process alive until it is flushed.
    this.flushTimer?.ref();
    return targets;
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
      if (!(await untilDeadline(input.exit()))) exitTimedOut.push(input.name);
    }
    // 2. Every open chunk closes, retries stop waiting, flushes get the grace period.
    this.store.sealAll();
    for (const output of this.outputs) output.beginShutdown();
    const drained = await untilDeadline(Promise.all(this.outputs.map((output) => output.whenIdle())));
    clearInterval(this.flushTimer);

    // 3. What is left is reported, then outputs exit. Outputs close first, so
    // that chunks routed during the grace period are reported, not flushed.
    const undelivered: Record<string, Undelivered> = {};
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
      if (!exited) exitTimedOut.push(output.name);
    }
    for (const custom of this.customs) await custom.close().catch(() => undefined);
    await this.store.close();
    this.state = 'stopped';
    const report = { complete: drained && Object.keys(undelivered).length === 0, undelivered, exitTimedOut };
    this.emit('stopped', report);
    return report;
  }
}
