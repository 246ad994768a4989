/**
 * A pipeline: inputs → routing and chunking → outputs, with Fluent Bit's
 * semantics, and hot reload.
 *
 *   const pipeline = new Pipeline({ inputs: [{ name: 'lib', tag: 'app' }],
 *     plugins: ['./out_loki.so'], outputs: [{ name: 'loki', match: '*', properties: { url } }] });
 *   await pipeline.start();
 *   pipeline.input('lib.0').push({ msg: 'hello' });
 *   await pipeline.reload(newConfig);           // same handles afterwards
 *   const report = await pipeline.stop();
 *
 * The instances one configuration makes are a generation (generation.ts);
 * this class runs one at a time. A reload is Fluent Bit's: the new
 * configuration is read and checked first (an invalid one changes nothing),
 * then the running generation drains and stops within its Grace, then the
 * new one starts, registering its .so plugins again. What it adds:
 *   - `lib` input handles survive the switch: records pushed while it
 *     happens wait in the handle and go to the new generation;
 *   - if the new generation fails to start (an Init fails), the previous
 *     configuration is started again, so the host keeps running.
 * Nothing is lost in the switch that a stop would not lose: the old
 * generation delivers within Grace what it holds; with storage.path, what
 * it could not deliver stays on disk and the new generation's backlog takes
 * it. Counters start again from zero with each generation, as Fluent Bit's do.
 *
 * Emits 'inputsEnded' once every input of the running generation has said
 * it has no more data (stdin at EOF, dummy after its samples; never during
 * a reload), 'reloaded' after each successful reload, and 'stopped'.
 */
import { EventEmitter } from 'node:events';
import { ReloadError, messageOf } from '../errors.js';
import { LibInput } from '../builtin/lib-input.js';
import { getDefaultLogger, type HostLogger } from '../logging.js';
import type { PipelineConfig } from '../plan/config.js';
import type { ServiceSpec } from '../plan/service.js';
import type { PipelinePlan } from '../plan/specs.js';
import type { PluginMetric } from '../proxy/metrics.js';
import { PipelineGeneration, type LoadedPlugin, type PipelineMetrics, type ShutdownReport, type ValidationReport } from './generation.js';

export type { LoadedPlugin, PipelineMetrics, ShutdownReport, Undelivered, ValidationReport } from './generation.js';

/** What a successful reload did. */
export interface ReloadReport {
  /** Reloads done by this pipeline so far, this one included (Fluent Bit's hot_reload_count). */
  reloads: number;
  /** How the previous generation stopped: what it could not deliver within Grace, per output. */
  previous: ShutdownReport;
}

export class Pipeline extends EventEmitter {
  readonly logger: HostLogger;
  /** The configuration the running generation was made from. */
  private config: PipelineConfig;
  private current: PipelineGeneration;
  /** `lib` input handles by instance name, across generations. */
  private readonly libInputs = new Map<string, LibInput>();
  private reloads = 0;
  private reloading?: Promise<ReloadReport>;
  private stopping?: Promise<ShutdownReport>;
  private firstStarted?: Date;

  constructor(config: PipelineConfig) {
    super();
    this.logger = config.logger ?? getDefaultLogger();
    this.config = config;
    // The service settings need no plugin: refused here, before anything loads.
    this.current = this.generation(config);
  }

  /** Loads plugins, makes the plan, initialises every instance (customs, outputs, then inputs), then starts the inputs. */
  async start(): Promise<void> {
    await this.current.start();
    this.firstStarted ??= this.current.startedAt;
  }

  /**
   * Checks the whole configuration without starting anything: every .so is
   * loaded and registered (as Fluent Bit's --dry-run does), and the plan
   * start() would follow is made. No Init runs.
   */
  validate(): Promise<ValidationReport> {
    return this.current.validate();
  }

  /**
   * Hot reload to `config`. Resolves once the new configuration runs;
   * rejects with a ReloadError saying what happened otherwise (its
   * `running` says whether a pipeline still runs). One reload at a time.
   */
  reload(config: PipelineConfig): Promise<ReloadReport> {
    if (this.reloading) return Promise.reject(new ReloadError('in progress', 'a reload is already in progress'));
    if (this.stopping || !this.current.running) return Promise.reject(new ReloadError('not running', 'the pipeline is not running: nothing to reload'));
    this.reloading = this.switchTo(config).finally(() => {
      this.reloading = undefined;
      // Its inputs may have ended while it started (stdin closed mid-reload): said now, as it was not then.
      if (this.current.running && this.current.inputsEnded) this.emit('inputsEnded');
    });
    return this.reloading;
  }

  /** Successful reloads so far. */
  get reloadCount(): number {
    return this.reloads;
  }

  /** True while a reload is under way. */
  get isReloading(): boolean {
    return this.reloading !== undefined;
  }

  /** The plan the running generation followed (undefined before start()). */
  get plan(): PipelinePlan | undefined {
    return this.current.plan;
  }

  /** The running generation's [SERVICE] settings, as planned (defaults filled in). */
  get settings(): ServiceSpec {
    return this.current.settings;
  }

  /** When the first start() finished (a reload does not change it; undefined before). */
  get startedAt(): Date | undefined {
    return this.firstStarted;
  }

  /** Every .so the running generation loaded, with the instances that use it. */
  loadedPlugins(): LoadedPlugin[] {
    return this.current.loadedPlugins();
  }

  /** Chunks held now by the running generation, open or sealed, in memory or under storage.path. */
  heldChunks(): number {
    return this.current.heldChunks();
  }

  /** The handle of a `lib` input, by instance name (Alias, or "lib.N"); it stays valid across reloads. */
  input(name: string): LibInput {
    const handle = this.libInputs.get(name);
    if (!handle) {
      const known = [...this.libInputs.keys()];
      throw new Error(`no lib input named '${name}'${known.length ? `; lib inputs: ${known.join(', ')}` : ' (the pipeline has none)'}`);
    }
    return handle;
  }

  /** The running generation's counters (they start from zero after a reload, as Fluent Bit's do). */
  metrics(): PipelineMetrics {
    return this.current.metrics();
  }

  /**
   * The metrics plugins keep themselves (a .so's cmetrics: calyptia's
   * fbit.Metrics counters and gauges), each labelled with plugin and instance.
   */
  pluginMetrics(): Promise<PluginMetric[]> {
    return this.current.pluginMetrics();
  }

  /**
   * Graceful shutdown: inputs stop (.so inputs Pause, PreExit, Exit), open
   * chunks are closed, pending retries happen now, and in-flight flushes get
   * up to `grace` seconds (-1: as long as they need). Then outputs exit
   * (PreExit, Exit; Unregister after each .so's last instance). What could
   * not be delivered is reported per output, and logged. A reload under way
   * finishes first.
   */
  stop(options: { grace?: number } = {}): Promise<ShutdownReport> {
    this.stopping ??= (async () => {
      await this.reloading?.catch(() => undefined);
      const report = await this.current.stop(options);
      for (const [name, handle] of this.libInputs) this.closeHandle(name, handle, 'the pipeline is stopped');
      this.emit('stopped', report);
      return report;
    })();
    return this.stopping;
  }

  // --- generations -----------------------------------------------------------

  private generation(config: PipelineConfig): PipelineGeneration {
    const generation = new PipelineGeneration({ ...config, logger: this.logger }, (instance) => {
      let handle = this.libInputs.get(instance);
      if (!handle) {
        handle = new LibInput();
        this.libInputs.set(instance, handle);
      }
      return handle;
    });
    generation.on('inputsEnded', () => {
      if (generation === this.current && !this.reloading) this.emit('inputsEnded');
    });
    return generation;
  }

  private async switchTo(config: PipelineConfig): Promise<ReloadReport> {
    const previousConfig = this.config;
    // 1. The new configuration is checked (every .so probed, the plan made)
    //    while the running one goes on: an invalid one changes nothing.
    let next: PipelineGeneration;
    try {
      next = this.generation(config);
      await next.validate();
    } catch (error) {
      throw new ReloadError('refused', `reload refused: ${messageOf(error)}; still running the previous configuration`, { cause: error });
    }
    this.logger.info('reload: stopping the running configuration');
    // 2. The running generation drains and stops, within its Grace.
    const previous = await this.current.stop();
    // 3. The new one starts; should it fail, the previous configuration starts again.
    try {
      this.current = next;
      await next.start();
    } catch (error) {
      this.logger.error(`reload: the new configuration did not start: ${messageOf(error)}; starting the previous configuration again`);
      const again = this.generation(previousConfig);
      this.current = again;
      try {
        await again.start();
      } catch (againError) {
        throw new ReloadError('halted', `reload failed: the new configuration did not start (${messageOf(error)}), nor did the previous one again (${messageOf(againError)}); nothing runs`, { cause: error });
      }
      this.closeUnused(again);
      throw new ReloadError('rolled back', `reload failed: the new configuration did not start (${messageOf(error)}); the previous configuration runs again`, { cause: error });
    }
    this.config = config;
    this.reloads++;
    this.closeUnused(next);
    const report: ReloadReport = { reloads: this.reloads, previous };
    this.logger.info({ reloads: this.reloads }, 'reload: the new configuration runs');
    this.emit('reloaded', report);
    return report;
  }

  /** Closes the handles of `lib` inputs the running generation does not have. */
  private closeUnused(generation: PipelineGeneration): void {
    const kept = new Set((generation.plan?.inputs ?? []).map((spec) => spec.name));
    for (const [name, handle] of this.libInputs) {
      if (kept.has(name)) continue;
      this.closeHandle(name, handle, `lib input '${name}' is not in the reloaded configuration`);
      this.libInputs.delete(name);
    }
  }

  private closeHandle(name: string, handle: LibInput, reason: string): void {
    const lost = handle.close(reason);
    if (lost > 0) this.logger.warn({ input: name, records: lost }, `${name}: ${lost} record(s) pushed during a reload were not taken: ${reason}`);
  }
}
