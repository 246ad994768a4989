/**
 * Safety net for the engine's retries: the full-jitter backoff between
 * attempts, and FLB_RETRY from a real .so output inside a pipeline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cPlugin } from '../helpers/paths.js';
import { pipelineHarness } from '../helpers/pipeline-harness.js';
import { tempDir } from '../helpers/temp.js';
import { recordingOutput } from '../helpers/test-output.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();
const dir = tempDir();

/** A recorder answering 'retry' to the first `failures` attempts, noting when each attempt came. */
function retryingRecorder(failures: number) {
  const out = recordingOutput();
  const attemptsAt: number[] = [];
  out.answer = ({ attempt }) => {
    attemptsAt.push(performance.now());
    return attempt <= failures ? 'retry' : 'ok';
  };
  const gaps = () => attemptsAt.slice(1).map((at, i) => at - attemptsAt[i]!);
  return { out, attemptsAt, gaps };
}

describe('safety: retry backoff', () => {
  it('waits scheduler.base before a retry (base = cap = 1 s: exactly one second)', async () => {
    const { out, attemptsAt, gaps } = retryingRecorder(1);
    const p = pipeline({
      service: { schedulerBase: 1, schedulerCap: 1 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 3 }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => attemptsAt.length === 2, 10_000, 'the retry');
    // Timers never fire early by more than a few ms; a lost backoff retries at once.
    expect(gaps()[0]).toBeGreaterThanOrEqual(900);
    expect(out.delivered().map((e) => e.record.a)).toEqual([1]);
  });

  it('keeps each wait within [base, min(cap, base * 2^n)] (generous upper bound)', async () => {
    const { out, attemptsAt, gaps } = retryingRecorder(3);
    const p = pipeline({
      // Retry n waits in [0.2, 0.4], [0.2, 0.8], [0.2, 1.6] seconds.
      service: { schedulerBase: 0.2, schedulerCap: 30 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 5 }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => attemptsAt.length === 4, 15_000, 'three retries');
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(180);
    // The upper bounds plus a loaded machine's slack.
    gaps().forEach((gap, i) => expect(gap).toBeLessThan(0.2 * 2 ** (i + 1) * 1000 + 2000));
    expect(p.metrics().outputs['recorder.0']).toMatchObject({ records: 1, retries: 3, droppedRecords: 0 });
  });

  it('never waits longer than scheduler.cap, however many retries came before', async () => {
    // Without the cap the 10th retry alone could wait up to 0.05 * 2^10 = 51 s.
    const { out, attemptsAt, gaps } = retryingRecorder(10);
    const p = pipeline({
      service: { schedulerBase: 0.05, schedulerCap: 0.05 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 'no_limits' }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    // Ten waits of 50 ms: well within 4 s even on a busy machine.
    await waitFor(() => attemptsAt.length === 11, 4000, 'ten capped retries');
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(40);
    expect(out.delivered()).toHaveLength(1);
  });
});

describe('safety: FLB_RETRY from a .so output in a pipeline', () => {
  /** The lines out_flaky wrote: one per flush, "<retry|ok> <records> <bytes>". */
  const flushLog = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => line.split(' '));

  it('retries a chunk the plugin answered FLB_RETRY and delivers its records once', async () => {
    const log = join(dir, 'flaky-then-ok.log');
    const p = pipeline({
      plugins: [cPlugin('out_flaky')],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'flaky', match: '*', properties: { fail_first: 1, log } }],
    });
    await p.start();
    for (let i = 0; i < 5; i++) p.input('lib.0').push({ i });
    await waitFor(() => p.metrics().outputs['flaky.0']!.records === 5, 5000, 'the delivery after the retry');
    const report = await p.stop();
    expect(report.complete).toBe(true);
    // The same five records, the same bytes, handed over a second time.
    const lines = flushLog(log);
    expect(lines.map(([status, records]) => [status, records])).toEqual([
      ['retry', '5'],
      ['ok', '5'],
    ]);
    expect(lines[0]![2]).toBe(lines[1]![2]);
    expect(p.metrics().outputs['flaky.0']).toMatchObject({ records: 5, chunks: 1, retries: 1, retriedRecords: 5, retriesFailed: 0, droppedRecords: 0, errors: 0 });
  });

  it('drops and counts the records once Retry_Limit is used up', async () => {
    const log = join(dir, 'flaky-always.log');
    const p = pipeline({
      plugins: [cPlugin('out_flaky')],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'flaky', match: '*', properties: { fail_first: -1, log, Retry_Limit: 2 } }],
    });
    await p.start();
    for (let i = 0; i < 4; i++) p.input('lib.0').push({ i });
    await waitFor(() => p.metrics().outputs['flaky.0']!.retriesFailed === 1, 5000, 'the retries to run out');
    // The first attempt and two retries, each with all four records.
    expect(flushLog(log).map(([status, records]) => [status, records])).toEqual([
      ['retry', '4'],
      ['retry', '4'],
      ['retry', '4'],
    ]);
    expect(p.metrics().outputs['flaky.0']).toMatchObject({ records: 0, retries: 2, retriedRecords: 8, retriesFailed: 1, droppedRecords: 4, errors: 0, queuedChunks: 0 });
  });
});
