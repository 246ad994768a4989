import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { EventTime, loadPlugin, PluginError } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { repoRoot } from '../helpers/paths.js';
import { take } from '../helpers/take-events.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

// Real plugins written with github.com/calyptia/plugin (v1.4.4 and v0.1.6),
// built at test time against the cmetrics static libraries that ship in the
// cmetrics-go module (see test/fixtures/calyptia).
const fixtures = inject('calyptiaPlugins');
const has = (key: string) => key in fixtures;
const dir = tempDir();

describe.skipIf(!has('v1/input'))('calyptia/plugin v1 plugins', () => {
  it('input: Init with Conf, Collect ticking, Logger and a counter read back through its own cmetrics', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(fixtures['v1/input']!, { logger });
    expect(lib.framework).toBe('calyptia');
    expect(lib.name).toBe('go-test-input-plugin');
    // Conf values reach the plugin raw; calyptia unquotes them itself.
    const input = await lib.createInput({ properties: { FOO: '"tab\\there"' }, interval: 50 });
    const events = await take(input, 3);
    expect(events.map((e) => e.record)).toEqual([1, 2, 3].map((seq) => ({ message: 'hello from go-test-input-plugin', foo: 'tab\there', seq })));
    const metrics = await input.metrics();
    const collected = metrics.find((m) => m.name.endsWith('collected_records_total'));
    expect(collected).toMatchObject({ type: 'counter', labels: { plugin: 'go-test-input-plugin', instance: input.name } });
    expect(collected!.value).toBeGreaterThanOrEqual(3);
    await input.close();
    await waitFor(() => lines.some((l) => /initialised with foo=/.test(l.msg)), 5000, 'the Logger line');
    expect(lines.find((l) => /initialised with foo=/.test(l.msg))).toMatchObject({ level: 30, plugin: 'go-test-input-plugin', instance: input.name });
  });

  it('output: gets v1 events even when v2 is asked for, and counts what it flushed', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(fixtures['v1/output']!, { logger });
    const path = join(dir, 'v1-output.jsonl');
    const output = await lib.createOutput({ properties: { path }, eventFormat: 'v2' });
    expect(output.eventFormat).toBe('v1');
    expect(lines.some((l) => /cannot decode v2 events: sending v1/.test(l.msg))).toBe(true);
    expect(await output.flush('app.cal', [{ time: new EventTime(1700000000, 5), record: { a: 'x' } }, { time: new EventTime(1700000001, 6), record: { b: 'y' } }])).toBe('ok');
    const flushed = (await output.metrics()).find((m) => m.name.endsWith('flushed_records_total'));
    await output.close();
    expect(readJsonLines(path)).toEqual([
      { tag: 'app.cal', time: 1700000000_000000005, record: { a: 'x' } },
      { tag: 'app.cal', time: 1700000001_000000006, record: { b: 'y' } },
    ]);
    expect(flushed).toMatchObject({ value: 2, labels: { plugin: 'go-test-output-plugin', instance: output.name } });
  });

  it('refuses a second instance of the same .so: its state is global', async () => {
    const lib = await loadPlugin(fixtures['v1/output']!);
    const first = await lib.createOutput({ properties: { path: join(dir, 'one.jsonl') } });
    const second = await lib.createOutput({ properties: { path: join(dir, 'two.jsonl') } }).then(
      () => undefined,
      (e: unknown) => e as PluginError,
    );
    expect(second).toBeInstanceOf(PluginError);
    expect(second!.message).toMatch(/'go-test-output-plugin': it is a calyptia\/plugin plugin, which keeps its configuration and state in package globals/);
    await first.close();
  });

  it('refuses at load a calyptia plugin that exports no cmt_create, instead of failing (or crashing) in Init', async () => {
    const path = fixtures['v1/output-no-cmt']!;
    const error = await loadPlugin(path).then(
      () => undefined,
      (e: unknown) => e as PluginError,
    );
    expect(error).toBeInstanceOf(PluginError);
    expect(error!.phase).toBe('load');
    expect(error!.message).toBe(
      `cannot load plugin ${path}: a calyptia/plugin plugin needs a metrics context (its Init fails without one), but this .so exports no cmt_create to make one with its own cmetrics`,
    );
  });

  it('custom: Init reads its properties through custom_get_property and logs', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(fixtures['v1/custom']!, { logger });
    expect(lib.kind).toBe('custom');
    const custom = await lib.createCustom({ properties: { greeting: 'bonjour' } });
    await custom.close();
    await waitFor(() => lines.some((l) => /bonjour/.test(l.msg)), 5000, 'the greeting');
    expect(lines.find((l) => /bonjour/.test(l.msg))).toMatchObject({ plugin: 'go-test-custom-plugin', instance: custom.name });
  });
});

describe.skipIf(!has('v1/input'))('calyptia/plugin metrics in a pipeline', () => {
  it('pluginMetrics() gathers every plugin metric with plugin and instance labels', async () => {
    const { Pipeline } = await import('../../src/index.js');
    const path = join(dir, 'pipeline.jsonl');
    const pipeline = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 0.1 },
      plugins: [fixtures['v1/input']!, fixtures['v1/output']!],
      inputs: [{ name: 'go-test-input-plugin', tag: 'cal', interval: 50, properties: { foo: 'x' } }],
      outputs: [{ name: 'go-test-output-plugin', match: 'cal', properties: { path } }],
    });
    await pipeline.start();
    await waitFor(() => readJsonLines(path).length >= 3, 10_000, 'three records through the pipeline');
    const metrics = await pipeline.pluginMetrics();
    await pipeline.stop();
    const collected = metrics.find((m) => m.name.endsWith('collected_records_total'));
    const flushed = metrics.find((m) => m.name.endsWith('flushed_records_total'));
    expect(collected).toMatchObject({ labels: { plugin: 'go-test-input-plugin', instance: 'go-test-input-plugin.0' } });
    expect(flushed).toMatchObject({ labels: { plugin: 'go-test-output-plugin', instance: 'go-test-output-plugin.0' } });
    expect(flushed!.value).toBeGreaterThanOrEqual(3);
  });
});

describe.skipIf(!has('v0/input'))('calyptia/plugin v0.1.x plugins', () => {
  it('input and output run, with metrics', async () => {
    const input = await (await loadPlugin(fixtures['v0/input']!)).createInput({ properties: { foo: 'bar' }, interval: 10 });
    const events = await take(input, 2);
    await input.close();
    expect(events.map((e) => e.record)).toEqual([1, 2].map((seq) => ({ message: 'hello from go-test-input-plugin', foo: 'bar', seq })));

    const path = join(dir, 'v0-output.jsonl');
    const output = await (await loadPlugin(fixtures['v0/output']!)).createOutput({ properties: { path } });
    // calyptia v0 only takes string values.
    expect(await output.flush('v0', [{ time: new EventTime(1700000000, 0), record: { a: 'x' } }])).toBe('ok');
    // A v0 output writes from its own goroutine, fed by a channel: FLBPluginFlush
    // returns once the record is queued, so its counter moves a moment later.
    const flushedCount = async () => (await output.metrics()).find((m) => m.name.endsWith('flushed_records_total'))?.value;
    let flushed = await flushedCount();
    for (const deadline = Date.now() + 5000; flushed !== 1 && Date.now() < deadline; flushed = await flushedCount()) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await output.close();
    expect(readJsonLines(path)).toEqual([{ tag: 'v0', time: 1700000000_000000000, record: { a: 'x' } }]);
    expect(flushed).toBe(1);
  });
});

describe.skipIf(!has('v1/input'))('calyptia/plugin from the command line', () => {
  it('runs the calyptia/plugin README pair: fluent-bit.conf with plugins_file, plugins.conf with a relative Path', async () => {
    const so = fixtures['v1/input']!;
    writeFileSync(join(dir, 'plugins.conf'), `[PLUGINS]\n    Path ${so}\n`);
    writeFileSync(
      join(dir, 'fluent-bit.conf'),
      ['[SERVICE]', '    flush        0.2', '    plugins_file plugins.conf', '', '[INPUT]', '    Name go-test-input-plugin', '    Tag  test-input', '    foo  bar', '', '[OUTPUT]', '    Name  stdout', '    Match *', ''].join('\n'),
    );
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'flbhost.js'), '-c', join(dir, 'fluent-bit.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(() => out.split('\n').filter(Boolean).length >= 2, 20_000, 'two records on stdout');
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const first = JSON.parse(out.split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ message: 'hello from go-test-input-plugin', foo: 'bar', seq: 1 });
  });

  it('inspect says how flbhost drives it', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'flbhost.js'), 'inspect', fixtures['v1/output']!], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/calyptia\/plugin output: receives v1 events/);
    expect(result.stdout).toMatch(/one instance per process/);
    expect(result.stdout).toMatch(/its own cmt_create makes each instance’s metrics context/);
  });
});
