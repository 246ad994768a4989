/**
 * Isolated instances look like in-process ones: plugin log lines, plugin
 * metrics (calyptia's cmetrics, read in the child) with the same labels,
 * customs; calyptia plugins, limited to one instance in process, can have
 * several isolated. And what flbhost does without isolation: Flush_Timeout
 * in process can only warn. And a killed flbhost leaves no child behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadPlugin } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { pipelineHarness } from '../helpers/pipeline-harness.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();
const calyptia = inject('calyptiaPlugins');
const dir = tempDir();

describe.skipIf(!('v1/input' in calyptia))('isolated calyptia plugins', () => {
  it('run input and output isolated, with their metrics and log lines as in process; two instances of one output are allowed', async () => {
    const { logger, lines } = captureLogger();
    const first = join(dir, 'cal-1.jsonl');
    const second = join(dir, 'cal-2.jsonl');
    const p = pipeline({
      logger,
      service: { flush: 0.1 },
      plugins: [calyptia['v1/input']!, calyptia['v1/output']!],
      inputs: [{ name: 'go-test-input-plugin', tag: 'cal', interval: 50, isolation: 'process', properties: { foo: 'x' } }],
      outputs: [
        { name: 'go-test-output-plugin', match: 'cal', isolation: 'process', properties: { path: first } },
        { name: 'go-test-output-plugin', match: 'cal', isolation: 'process', properties: { path: second } },
      ],
    });
    await p.start();
    await waitFor(() => readJsonLines(first).length >= 3 && readJsonLines(second).length >= 3, 15_000, 'records in both outputs');
    const metrics = await p.pluginMetrics();
    await p.stop();

    const collected = metrics.find((m) => m.name.endsWith('collected_records_total'));
    const flushed = metrics.filter((m) => m.name.endsWith('flushed_records_total'));
    expect(collected).toMatchObject({ labels: { plugin: 'go-test-input-plugin', instance: 'go-test-input-plugin.0' } });
    expect(collected!.value).toBeGreaterThanOrEqual(3);
    expect(flushed.map((m) => m.labels.instance).sort()).toEqual(['go-test-output-plugin.0', 'go-test-output-plugin.1']);
    // The input's Init logs at info level, through the host's log_print, in its child.
    expect(lines.some((l) => l.plugin === 'go-test-input-plugin' && l.instance === 'go-test-input-plugin.0' && l.level === 30)).toBe(true);
  });
});

describe('isolated customs', () => {
  it('run Init in a child and Exit at close, logging as in process', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('custom_trace'), { logger, isolation: 'process' });
    const custom = await lib.createCustom({ properties: { id: 'iso' } });
    await custom.close();
    expect(custom.supervision()).toEqual({ crashes: 0, flushTimeouts: 0, restarts: 0, failed: false });
    expect(lines.some((l) => l.plugin === 'custom_trace' && l.instance === custom.name && /custom_trace: init/.test(l.msg))).toBe(true);
  });
});

describe('Flush_Timeout in process', () => {
  it('can only warn: the flush finishes, once, and the warning says how to have it stopped', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('out_sleep'), { logger });
    const out = await lib.createOutput({ properties: { sleep_ms: 1500 }, flushTimeout: 0.5 });
    expect(await out.flush('slow', [{ record: { a: 1 } }])).toBe('ok');
    await out.close();
    const warnings = lines.filter((l) => /longer than Flush_Timeout \(0.5 s\); in process it cannot be stopped/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('Isolation process');
  });
});

describe('a killed flbhost', () => {
  it('leaves no plugin host behind: the child sees its pipe close, exits its instance and ends', async () => {
    const cli = startCli(['-i', 'dummy', '-p', 'rate=10', '-e', cPlugin('out_jsonl'), '-o', 'jsonl', '-p', `path=${join(dir, 'killed.jsonl')}`, '-p', 'isolation=process', '-m', '*']);
    const children = () => {
      try {
        return readFileSync(`/proc/${cli.child.pid}/task/${cli.child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    await waitFor(() => readJsonLines(join(dir, 'killed.jsonl')).length > 0, 15_000, 'records through the isolated output');
    const [host] = children();
    expect(host).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${host}/cmdline`, 'utf8')).toContain('flbhost-plugin-host');
    cli.child.kill('SIGKILL');
    await cli.exit;
    const alive = () => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${host}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    await waitFor(() => !alive(), 10_000, 'the plugin host to end');
  });
});
