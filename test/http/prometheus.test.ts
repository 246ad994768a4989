/**
 * Plugins' own metrics (calyptia counters and gauges, as Pipeline.pluginMetrics()
 * reports them) in the Prometheus output, with a stand-in pipeline.
 */
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { registerPipelineMetrics } from '../../src/http/prometheus.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import type { PluginMetric } from '../../src/proxy/metrics.js';
import { captureLogger } from '../helpers/capture-logger.js';

function standIn(plugin: () => PluginMetric[]): Pipeline {
  return {
    logger: captureLogger().logger,
    startedAt: new Date(),
    metrics: () => ({ inputs: {}, outputs: {} }),
    heldChunks: () => 0,
    pluginMetrics: async () => plugin(),
  } as unknown as Pipeline;
}

const metric = (name: string, type: string, value: number, labels: Record<string, string> = {}): PluginMetric => ({
  name,
  type,
  help: `${name} help`,
  labels: { ...labels, plugin: 'gdummy', instance: 'gdummy.0' },
  value,
});

describe('plugin metrics in Prometheus', () => {
  it('shows counters and gauges with plugin and instance labels, values read at each scrape', async () => {
    let samples = [metric('fluentbit_gdummy_records_total', 'counter', 3, { status: 'ok' }), metric('fluentbit_gdummy_queue', 'gauge', 7)];
    const registry = new Registry();
    await registerPipelineMetrics(standIn(() => samples), registry);
    let text = await registry.metrics();
    expect(text).toContain('# TYPE fluentbit_gdummy_records_total counter');
    expect(text).toContain('fluentbit_gdummy_records_total{status="ok",plugin="gdummy",instance="gdummy.0"} 3');
    expect(text).toContain('# TYPE fluentbit_gdummy_queue gauge');
    expect(text).toContain('fluentbit_gdummy_queue{plugin="gdummy",instance="gdummy.0"} 7');
    samples = [metric('fluentbit_gdummy_records_total', 'counter', 5, { status: 'ok' }), metric('fluentbit_gdummy_queue', 'gauge', 2), metric('fluentbit_gdummy_late', 'gauge', 1)];
    text = await registry.metrics();
    expect(text).toContain('fluentbit_gdummy_records_total{status="ok",plugin="gdummy",instance="gdummy.0"} 5');
    expect(text).toContain('fluentbit_gdummy_queue{plugin="gdummy",instance="gdummy.0"} 2');
    // A name first seen at a scrape is reported from the next one.
    expect(await registry.metrics()).toContain('fluentbit_gdummy_late{plugin="gdummy",instance="gdummy.0"} 1');
  });

  it("leaves out a plugin metric named like one of flbhost's", async () => {
    const registry = new Registry();
    await registerPipelineMetrics(standIn(() => [metric('fluentbit_uptime', 'counter', 99)]), registry);
    expect(await registry.metrics()).not.toContain('plugin="gdummy"');
  });
});
