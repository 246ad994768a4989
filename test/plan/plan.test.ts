/**
 * The plan is the one place a configuration is resolved: --dry-run
 * (validate) and start() make the same plan, and refuse the same things
 * with the same messages, which name the file:line of the key.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { loadPlugin, Pipeline, PluginError, type PipelineConfig } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const dir = tempDir();
let fileCount = 0;

async function configFrom(...lines: string[]): Promise<{ config: PipelineConfig; file: string }> {
  const file = join(dir, `plan-${fileCount++}.conf`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const loaded = await loadConfigFile(file, { env: {} });
  return { config: loaded.config, file };
}

async function outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

/** validate() and start() on two pipelines of one config: their outcomes (plan, or error message). */
async function bothWays(config: PipelineConfig) {
  const { logger } = captureLogger('error');
  const checked = new Pipeline({ ...config, logger });
  const validated = await outcome(() => checked.validate());
  const plan = validated === 'ok' ? (await new Pipeline({ ...config, logger }).validate()).plan : undefined;
  const running = new Pipeline({ ...config, logger });
  const started = await outcome(() => running.start());
  const startedPlan = running.plan;
  await running.stop({ grace: 0 });
  return { validated, started, plan, startedPlan };
}

describe('--dry-run and the run agree', () => {
  const bad: Array<[string, string[], RegExp]> = [
    ['Workers 100 on a .so output', ['[OUTPUT]', '    Name jsonl', '    Match *', '    path /dev/null', '    Workers 100'], /:9: jsonl\.0: Workers: '100' is not an integer from 1 to 64$/],
    ['Workers 0 on a built-in output', ['[OUTPUT]', '    Name null', '    Match *', '    Workers 0'], /:8: null\.0: Workers: '0' is not an integer from 1 to 64$/],
    ['an unknown key of a built-in input', ['[INPUT]', '    Name dummy', '    Sampels 2'], /:7: dummy\.0: unknown property 'Sampels'; did you mean 'samples'\? \(dummy takes: dummy, metadata, samples,/],
    ['a bad Retry_Limit', ['[OUTPUT]', '    Name null', '    Match *', '    Retry_Limit -3'], /:8: null\.0: Retry_Limit: '-3' is not a retry limit/],
    ['a bad Mem_Buf_Limit', ['[INPUT]', '    Name dummy', '    Mem_Buf_Limit lots'], /:7: dummy\.0: Mem_Buf_Limit: 'lots' is not a size/],
    ['a bad Match_Regex', ['[OUTPUT]', '    Name null', '    Match_Regex (', '    Workers 1'], /:7: null\.0: Match_Regex: Invalid regular expression/],
    ['a bad Log_Level on an instance', ['[OUTPUT]', '    Name null', '    Match *', '    Log_Level loud'], /:8: null\.0: Log_Level: 'loud' is not a log level/],
    ['a Flush_Merge_Limit over 1G', ['[OUTPUT]', '    Name jsonl', '    Match *', '    path /dev/null', '    Flush_Merge_Limit 2G'], /:9: jsonl\.0: Flush_Merge_Limit: 2147483648 bytes is more than a flush can carry \(at most 1073741824, 1G\)$/],
    ['two instances with one Alias', ['[OUTPUT]', '    Name null', '    Match *', '    Alias a', '[OUTPUT]', '    Name null', '    Match *', '    Alias a'], /:9: instance name 'a' is already used \(.*:5\)/],
  ];
  it.each(bad)('refuses %s in both, with the same message naming file:line and key', async (_what, section, message) => {
    const { config, file } = await configFrom('[SERVICE]', '    Flush 1', `    Plugins_File ${join(dir, 'plugins.conf')}`, '', ...section);
    const { validated, started } = await bothWays(config);
    expect(validated.startsWith(file)).toBe(true);
    expect(validated).toMatch(message);
    expect(started).toBe(validated);
  });

  it('makes the same plan in both for a config using every setting', async () => {
    const { config } = await configFrom(
      '[SERVICE]',
      '    Flush 0.2',
      `    Plugins_File ${join(dir, 'plugins.conf')}`,
      '[INPUT]',
      '    Name dummy',
      '    Tag app.x',
      '    Samples 1',
      '    Mem_Buf_Limit 1M',
      '[OUTPUT]',
      '    Name jsonl',
      `    path ${join(dir, 'agree.jsonl')}`,
      '    Match app.*',
      '    Workers 3',
      '    Retry_Limit no_limits',
      '    storage.total_limit_size 2M',
      '    Flush_Merge_Limit off',
      '    Log_Level debug',
      '[OUTPUT]',
      '    Name stdout',
      '    Match_Regex ^nothing$',
      '    Format json_lines',
      '    Alias quiet',
    );
    const { validated, started, plan, startedPlan } = await bothWays(config);
    expect([validated, started]).toEqual(['ok', 'ok']);
    expect(startedPlan).toEqual(plan);
    expect(plan!.outputs[0]).toMatchObject({ name: 'jsonl.0', workers: 3, retryLimit: -1, queueLimit: 2 * 1024 * 1024, flushMergeLimit: 0, logLevel: 'debug', match: 'app.*', properties: [['path', join(dir, 'agree.jsonl')]] });
    expect(plan!.outputs[1]).toMatchObject({ name: 'quiet', matchRegex: '^nothing$', workers: 1, retryLimit: 1, flushMergeLimit: 0 });
    expect(plan!.inputs[0]).toMatchObject({ name: 'dummy.0', tag: 'app.x', memBufLimit: 1024 * 1024, properties: [['Samples', '1']] });
  });
});

writeFileSync(join(dir, 'plugins.conf'), `[PLUGINS]\n    Path ${cPlugin('out_jsonl')}\n`);

const calyptia = inject('calyptiaPlugins');

describe.skipIf(!('v1/output' in calyptia))('calyptia outputs in a pipeline', () => {
  it('are planned (and run) with v1 events when v2 is configured, with one warning', async () => {
    const { logger, lines } = captureLogger();
    const pipeline = new Pipeline({
      logger,
      plugins: [calyptia['v1/output']!],
      outputs: [{ name: 'go-test-output-plugin', match: '*', eventFormat: 'v2', properties: { path: join(dir, 'calyptia.jsonl') } }],
    });
    const { plan } = await pipeline.validate();
    expect(plan.outputs[0]!.eventFormat).toBe('v1');
    expect(lines.filter((l) => /cannot decode v2 events: sending v1/.test(l.msg))).toHaveLength(1);

    // And the records reach it: v2 events used to be handed over as configured, and its decoder refused them all.
    const path = join(dir, 'calyptia-run.jsonl');
    const running = new Pipeline({
      logger,
      plugins: [calyptia['v1/output']!],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [{ name: 'go-test-output-plugin', match: '*', eventFormat: 'v2', properties: { path } }],
    });
    await running.start();
    running.input('lib.0').push({ n: 1 }, { metadata: { m: 'x' } });
    running.input('lib.0').push({ n: 2 }, { metadata: { m: 'y' } });
    const report = await running.stop();
    expect(report.complete).toBe(true);
    expect(readJsonLines(path).map((line) => (line as { record: unknown }).record)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses two instances of one calyptia plugin at the plan, not halfway through start', async () => {
    const config: PipelineConfig = {
      plugins: [calyptia['v1/output']!],
      outputs: [
        { name: 'go-test-output-plugin', match: '*', properties: { path: join(dir, 'c1.jsonl') } },
        { name: 'go-test-output-plugin', match: '*', properties: { path: join(dir, 'c2.jsonl') } },
      ],
    };
    const { validated, started } = await bothWays(config);
    expect(validated).toMatch(/outputs\[1\]: a second instance of 'go-test-output-plugin' \(the first is at outputs\[0\]\): it is a calyptia\/plugin plugin/);
    expect(started).toBe(validated);
  });
});

describe('one rule for an input interval', () => {
  it('refuses a negative interval in a pipeline and in the library API, in the same words', async () => {
    const { logger } = captureLogger('error');
    const pipeline = new Pipeline({ logger, inputs: [{ name: 'dummy', interval: -5 }] });
    expect(await outcome(() => pipeline.validate())).toBe("inputs[0]: dummy.0: interval: '-5' is not a number of milliseconds (0 or more)");
    const lib = await loadPlugin(cPlugin('in_gen_ctx'), { logger });
    const error = await lib.createInput({ interval: -5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toBe("gen: interval: '-5' is not a number of milliseconds (0 or more)");
  });
});
