/**
 * A pipeline's metrics in Prometheus form, through prom-client.
 *
 * Why prom-client: it is the Prometheus client Node applications already
 * use (maintained under the siimon/prom-client project, weekly releases of
 * fixes, the exposition format and its escaping done and tested there), so
 * flbhost writes no exposition code of its own, and an application that
 * has a registry can take flbhost's metrics into it (registerPipelineMetrics).
 *
 * Nothing is counted twice and no hot path changes: every metric here is
 * read from Pipeline.metrics() (and pluginMetrics()) when a scrape asks,
 * through prom-client's collect() callbacks. One scrape reads
 * Pipeline.metrics() once (snapshot below), however many metrics use it.
 *
 * Names and labels follow Fluent Bit's (docs/http.md lists them and what
 * differs). flbhost's own metrics start with flbhost_. Plugins' own metrics
 * (calyptia's fbit.Metrics counters and gauges) keep the names the plugin
 * gave them, labelled with plugin and instance.
 */
import { messageOf } from '../errors.js';
import { hostname } from 'node:os';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Pipeline, PipelineMetrics } from '../pipeline/pipeline.js';
import type { PluginMetric } from '../proxy/metrics.js';
import { FLBHOST_VERSION } from './version.js';

type Labels = Record<string, string>;
type Sample = [Labels, number];
type Read = (metrics: PipelineMetrics) => Sample[];

/** Which of Fluent Bit's two Prometheus endpoints a registry copies. */
export type PrometheusFlavour = 'v1' | 'v2';

export interface RegisteredMetrics {
  /** Takes every metric registered here out of the registry. */
  unregister(): void;
}

/** Pipeline.metrics() read once per scrape: the collect() callbacks of one scrape all run before any microtask. */
class Snapshot {
  private cached?: PipelineMetrics;
  constructor(private readonly pipeline: Pipeline) {}
  get(): PipelineMetrics {
    if (!this.cached) {
      this.cached = this.pipeline.metrics();
      // prom-client calls every collect() of a scrape synchronously, one after another.
      queueMicrotask(() => (this.cached = undefined));
    }
    return this.cached;
  }
}

const INPUT_COUNTERS: Array<[string, string, keyof PipelineMetrics['inputs'][string]]> = [
  ['fluentbit_input_bytes_total', 'Number of input bytes.', 'bytes'],
  ['fluentbit_input_records_total', 'Number of input records.', 'records'],
];

const OUTPUT_COUNTERS: Array<[string, string, keyof PipelineMetrics['outputs'][string]]> = [
  ['fluentbit_output_dropped_records_total', 'Number of dropped records.', 'droppedRecords'],
  ['fluentbit_output_errors_total', 'Number of output errors.', 'errors'],
  ['fluentbit_output_proc_bytes_total', 'Number of processed output bytes.', 'bytes'],
  ['fluentbit_output_proc_records_total', 'Number of processed output records.', 'records'],
  ['fluentbit_output_retried_records_total', 'Number of retried records.', 'retriedRecords'],
  ['fluentbit_output_retries_failed_total', 'Number of abandoned batches because the maximum number of re-tries was reached.', 'retriesFailed'],
  ['fluentbit_output_retries_total', 'Number of output retries.', 'retries'],
];

/** flbhost's own counters and gauges (no Fluent Bit equivalent). */
const FLBHOST_INPUT: Array<['counter' | 'gauge', string, string, (m: PipelineMetrics['inputs'][string]) => number]> = [
  ['counter', 'flbhost_input_pauses_total', 'Times the input was paused because its buffered data reached its limit.', (m) => m.pauses],
  ['counter', 'flbhost_input_unrouted_records_total', 'Records no output matched.', (m) => m.unroutedRecords],
  ['counter', 'flbhost_input_dropped_records_total', 'Records refused by a drop policy.', (m) => m.droppedRecords],
  ['counter', 'flbhost_input_malformed_chunks_total', 'Chunks whose data was partly malformed.', (m) => m.malformedChunks],
  ['counter', 'flbhost_input_crashes_total', 'Times the isolated process of the input died by itself.', (m) => m.crashes],
  ['counter', 'flbhost_input_restarts_total', 'Times the isolated process of the input was started again.', (m) => m.restarts],
  ['gauge', 'flbhost_input_buffered_bytes', 'Bytes of this input buffered in the engine.', (m) => m.bufferedBytes],
];

const FLBHOST_OUTPUT: Array<['counter' | 'gauge', string, string, (m: PipelineMetrics['outputs'][string]) => number]> = [
  ['counter', 'flbhost_output_crashes_total', 'Times the isolated process of the output died by itself.', (m) => m.crashes],
  ['counter', 'flbhost_output_flush_timeouts_total', 'Times the isolated process of the output was killed for a flush past Flush_Timeout.', (m) => m.flushTimeouts],
  ['counter', 'flbhost_output_restarts_total', 'Times the isolated process of the output was started again.', (m) => m.restarts],
  ['counter', 'flbhost_output_chunks_total', 'Chunks delivered.', (m) => m.chunks],
  ['gauge', 'flbhost_output_queued_bytes', 'Bytes waiting for this output: open, queued, in flight or waiting for a retry.', (m) => m.queuedBytes],
  ['gauge', 'flbhost_output_queued_chunks', 'Chunks waiting for this output.', (m) => m.queuedChunks],
  ['gauge', 'flbhost_output_in_flight_chunks', 'Chunks handed to the plugin and not answered yet.', (m) => m.inFlight],
];

/**
 * Registers the metrics of `pipeline` into `registry`: 'v2' (the default)
 * is the full set, safe to add to an application's own registry (every
 * name starts with fluentbit_ or flbhost_, or is a plugin's own); 'v1' is
 * what Fluent Bit's /api/v1/metrics/prometheus lists.
 *
 * Plugins' own metrics are registered under the names the started pipeline
 * reports now; one that first appears later is added at the next scrape
 * and reported from the one after.
 */
export async function registerPipelineMetrics(
  pipeline: Pipeline,
  registry: Registry,
  options: { flavour?: PrometheusFlavour } = {},
): Promise<RegisteredMetrics> {
  const flavour = options.flavour ?? 'v2';
  const snapshot = new Snapshot(pipeline);
  const names: string[] = [];
  const registers = [registry];
  const add = (type: 'counter' | 'gauge', name: string, help: string, labelNames: string[], read: Read) => {
    names.push(name);
    if (type === 'counter') {
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read(snapshot.get())) this.inc(labels, value);
        },
      });
    } else {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read(snapshot.get())) this.set(labels, value);
        },
      });
    }
  };
  const host = hostname();
  const uptime = (): number => {
    const started = pipeline.startedAt;
    return started ? Math.floor((Date.now() - started.getTime()) / 1000) : 0;
  };
  const startSeconds = (): number => Math.floor((pipeline.startedAt ?? new Date()).getTime() / 1000);

  if (flavour === 'v2') {
    add('counter', 'fluentbit_uptime', 'Number of seconds that Fluent Bit has been running.', ['hostname'], () => [[{ hostname: host }, uptime()]]);
  }
  for (const [name, help, field] of INPUT_COUNTERS) {
    add('counter', name, help, ['name'], (m) => Object.entries(m.inputs).map(([input, values]) => [{ name: input }, values[field] as number]));
  }
  for (const [name, help, field] of OUTPUT_COUNTERS) {
    add('counter', name, help, ['name'], (m) => Object.entries(m.outputs).map(([output, values]) => [{ name: output }, values[field] as number]));
  }
  if (flavour === 'v1') {
    add('counter', 'fluentbit_uptime', 'Number of seconds that Fluent Bit has been running.', [], () => [[{}, uptime()]]);
    add('gauge', 'process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', [], () => [[{}, startSeconds()]]);
    add('gauge', 'fluentbit_build_info', 'Build version information.', ['version', 'edition'], () => [[{ version: FLBHOST_VERSION, edition: 'flbhost' }, 1]]);
    return { unregister: () => names.forEach((name) => registry.removeSingleMetric(name)) };
  }

  add('gauge', 'fluentbit_process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', ['hostname'], () => [[{ hostname: host }, startSeconds()]]);
  add('gauge', 'fluentbit_build_info', 'Build version information.', ['hostname', 'version', 'os'], () => [[{ hostname: host, version: FLBHOST_VERSION, os: process.platform }, 1]]);
  add('counter', 'fluentbit_hot_reloaded_times', 'Collect the count of hot reloaded times.', ['hostname'], () => [[{ hostname: host }, pipeline.reloadCount]]);
  // Storage: every chunk held; the durable ones (storage.path) are the fs_* ones.
  const fs = (m: PipelineMetrics) => m.storage?.chunks ?? { total: 0, up: 0, down: 0 };
  add('gauge', 'fluentbit_storage_chunks', 'Total number of chunks in the storage layer.', [], () => [[{}, pipeline.heldChunks()]]);
  add('gauge', 'fluentbit_storage_mem_chunks', 'Total number of memory chunks.', [], (m) => [[{}, pipeline.heldChunks() - fs(m).total]]);
  add('gauge', 'fluentbit_storage_fs_chunks', 'Total number of filesystem chunks.', [], (m) => [[{}, fs(m).total]]);
  add('gauge', 'fluentbit_storage_fs_chunks_up', 'Total number of filesystem chunks up in memory.', [], (m) => [[{}, fs(m).up]]);
  add('gauge', 'fluentbit_storage_fs_chunks_down', 'Total number of filesystem chunks down.', [], (m) => [[{}, fs(m).down]]);
  add('gauge', 'fluentbit_input_ingestion_paused', 'Is the input paused or not?', ['name'], (m) =>
    Object.entries(m.inputs).map(([name, input]) => [{ name }, input.paused ? 1 : 0]),
  );
  add('gauge', 'fluentbit_input_storage_memory_bytes', 'Memory bytes used by the chunks.', ['name'], (m) =>
    Object.entries(m.inputs).map(([name, input]) => [{ name }, input.bufferedBytes]),
  );
  add('gauge', 'flbhost_storage_bytes_on_disk', 'Bytes of the chunk files under storage.path.', [], (m) => [[{}, m.storage?.bytesOnDisk ?? 0]]);
  add('counter', 'flbhost_storage_write_failures_total', 'Durable chunks that could not be written (kept in memory, not durable).', [], (m) => [[{}, m.storage?.writeFailures ?? 0]]);
  add('gauge', 'flbhost_storage_backlog_chunks', "Chunks of a previous run's backlog not delivered yet.", [], (m) => [[{}, m.storage?.backlogChunks ?? 0]]);
  for (const [type, name, help, read] of FLBHOST_INPUT) {
    add(type, name, help, ['name'], (m) => Object.entries(m.inputs).map(([input, values]) => [{ name: input }, read(values)]));
  }
  for (const [type, name, help, read] of FLBHOST_OUTPUT) {
    add(type, name, help, ['name'], (m) => Object.entries(m.outputs).map(([output, values]) => [{ name: output }, read(values)]));
  }

  const plugins = new PluginMetricsBridge(pipeline, registry, new Set(names));
  await plugins.refresh();
  return {
    unregister: () => {
      names.forEach((name) => registry.removeSingleMetric(name));
      plugins.unregister();
    },
  };
}

/**
 * Plugins' own metrics (Pipeline.pluginMetrics(), asynchronous: isolated
 * plugins answer over a pipe), one prom-client metric per name. The
 * plugins are asked once per scrape, whichever metric asks first.
 */
class PluginMetricsBridge {
  private readonly metrics = new Map<string, { labelNames: string[]; metric: Counter | Gauge }>();
  private pending?: Promise<PluginMetric[]>;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly registry: Registry,
    /** Names flbhost registered itself: a plugin metric of the same name is left out. */
    private readonly reserved: Set<string>,
  ) {}

  /** The plugins' metrics now: one request shared by every collect() of a scrape. */
  private fetch(): Promise<PluginMetric[]> {
    this.pending ??= this.pipeline
      .pluginMetrics()
      .catch((error: unknown) => {
        this.pipeline.logger.debug(`plugin metrics could not be read: ${messageOf(error)}`);
        return [] as PluginMetric[];
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Registers a metric for every name not known yet (or whose labels grew). */
  async refresh(): Promise<PluginMetric[]> {
    const all = await this.fetch();
    const byName = new Map<string, { type: string; help: string; labels: Set<string> }>();
    for (const sample of all) {
      if (this.reserved.has(sample.name)) continue;
      const entry = byName.get(sample.name) ?? { type: sample.type, help: sample.help, labels: new Set<string>() };
      for (const label of Object.keys(sample.labels)) entry.labels.add(label);
      byName.set(sample.name, entry);
    }
    for (const [name, { type, help, labels }] of byName) {
      const known = this.metrics.get(name);
      if (known && [...labels].every((label) => known.labelNames.includes(label))) continue;
      if (known) this.registry.removeSingleMetric(name);
      this.create(name, type, help, [...labels].sort());
    }
    return all;
  }

  private create(name: string, type: string, help: string, labelNames: string[]): void {
    const bridge = this;
    const values = async (): Promise<Sample[]> => {
      // Also learns names that appeared since (reported from the next scrape).
      const all = await bridge.refresh();
      return all
        .filter((sample) => sample.name === name && Object.keys(sample.labels).every((label) => labelNames.includes(label)))
        .map((sample) => [sample.labels, sample.value]);
    };
    const options = { name, help: help || `${name} (reported by the plugin)`, labelNames, registers: [this.registry] };
    const metric =
      type === 'counter'
        ? new Counter({
            ...options,
            async collect() {
              const samples = await values();
              this.reset();
              for (const [labels, value] of samples) if (value >= 0) this.inc(labels, value);
            },
          })
        : new Gauge({
            ...options,
            async collect() {
              const samples = await values();
              this.reset();
              for (const [labels, value] of samples) this.set(labels, value);
            },
          });
    this.metrics.set(name, { labelNames, metric });
  }

  unregister(): void {
    for (const name of this.metrics.keys()) this.registry.removeSingleMetric(name);
    this.metrics.clear();
  }
}

/** A registry of its own holding `pipeline`'s metrics, for one of Fluent Bit's two endpoints. */
export async function pipelineRegistry(pipeline: Pipeline, flavour: PrometheusFlavour): Promise<Registry> {
  const registry = new Registry();
  await registerPipelineMetrics(pipeline, registry, { flavour });
  return registry;
}
