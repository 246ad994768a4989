/**
 * Safety net for stop(): retries waiting for their backoff happen at once,
 * Grace -1 waits for flushes as long as they take, and an output whose exit
 * does not finish in time is named in the report, and data that arrives
 * after the outputs closed is counted and logged.
 */
import { describe, expect, it } from 'vitest';
import { cPlugin } from '../helpers/paths.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { pipelineHarness, sleep } from '../helpers/pipeline-harness.js';
import { recordingOutput } from '../helpers/test-output.js';
import { waitFor } from '../helpers/wait.js';
import { FlushCancelledError, type OutputPluginFactory } from '../../src/index.js';
import type { InputContext, InputPluginFactory } from '../../src/engine/plugin-api.js';

const pipeline = pipelineHarness();

describe('safety: pending retries at shutdown', () => {
  it('attempts a chunk waiting for its retry at once during stop(), and delivers it', async () => {
    const out = recordingOutput();
    out.answer = ({ attempt }) => (attempt === 1 ? 'retry' : 'ok');
    const p = pipeline({
      // The retry would come a minute later; Grace is 3 s.
      service: { schedulerBase: 60, schedulerCap: 60, grace: 3 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 3 }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['recorder.0']!.retries === 1, 5000, 'the first attempt to ask for a retry');
    // Waiting for its backoff: queued, not in flight.
    expect(p.metrics().outputs['recorder.0']).toMatchObject({ queuedChunks: 1, inFlight: 0 });
    const started = Date.now();
    const report = await p.stop();
    expect(report).toEqual({ complete: true, undelivered: {}, exitTimedOut: [] });
    expect(Date.now() - started).toBeLessThan(2500); // within Grace, not at its end
    expect(out.calls.map((c) => c.result)).toEqual(['retry', 'ok']);
    expect(p.metrics().outputs['recorder.0']).toMatchObject({ records: 1, droppedRecords: 0, queuedChunks: 0 });
  });
});

describe('safety: no retry storm at shutdown', () => {
  it('retries a chunk that keeps asking for a retry once a second during Grace, not as fast as the plugin answers', async () => {
    const out = recordingOutput();
    out.answer = () => 'retry';
    const p = pipeline({
      service: { schedulerBase: 60, schedulerCap: 60, grace: 3 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 'no_limits' }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => out.calls.length === 1, 5000, 'the first attempt');
    const report = await p.stop();
    // The first attempt, the hurried one at stop(), then one a second within
    // the 3 s of Grace: about 5, and never the thousands an unpaced loop makes.
    expect(out.calls.length).toBeGreaterThanOrEqual(3);
    expect(out.calls.length).toBeLessThanOrEqual(6);
    expect(report.undelivered['recorder.0']).toMatchObject({ chunks: 1, records: 1 });
  });
});

describe('safety: Grace -1', () => {
  it('service Grace -1 waits for a flush that takes longer than the default Grace (5 s)', async () => {
    const p = pipeline({
      service: { grace: '-1' },
      plugins: [cPlugin('out_sleep')],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'sleep', match: '*', properties: { sleep_ms: 6000 } }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['sleep.0']!.inFlight === 1, 5000, 'the flush to start');
    const started = Date.now();
    const report = await p.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    expect(report).toEqual({ complete: true, undelivered: {}, exitTimedOut: [] });
    expect(p.metrics().outputs['sleep.0']).toMatchObject({ records: 1, droppedRecords: 0 });
  }, 30_000);

  it('stop({ grace: -1 }) overrides a short service Grace', async () => {
    const p = pipeline({
      service: { grace: 0.2 },
      plugins: [cPlugin('out_sleep')],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'sleep', match: '*', properties: { sleep_ms: 1500 } }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['sleep.0']!.inFlight === 1, 5000, 'the flush to start');
    const report = await p.stop({ grace: -1 });
    expect(report).toEqual({ complete: true, undelivered: {}, exitTimedOut: [] });
    expect(p.metrics().outputs['sleep.0']!.records).toBe(1);
  });
});

describe('safety: exitTimedOut', () => {
  it('names a .so output whose exit waits behind a flush past the deadline, and no other', async () => {
    const quick = recordingOutput('quick');
    const p = pipeline({
      service: { grace: 0.2 },
      plugins: [cPlugin('out_sleep')],
      register: [quick.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [
        // Its exit runs after the running 3 s flush: well past the 1 s an exit gets at least.
        { name: 'sleep', match: '*', properties: { sleep_ms: 3000 } },
        { name: 'quick', match: '*' },
      ],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['sleep.0']!.inFlight === 1, 5000, 'the flush to start');
    const report = await p.stop();
    expect(report.exitTimedOut).toEqual(['sleep.0']);
    expect(report.complete).toBe(false);
    expect(quick.exited).toEqual(['quick.0']);
  });

  it('names a TypeScript output whose exit() is still running after its bound', async () => {
    let slowExitDone = false;
    const slowExit: OutputPluginFactory = {
      kind: 'output',
      name: 'slow_exit',
      description: 'exit takes 2.5 s',
      create: () => ({
        name: 'slow_exit',
        flush: () => 'ok',
        exit: () => new Promise<void>((resolve) => setTimeout(() => ((slowExitDone = true), resolve()), 2500)),
      }),
    };
    const quick = recordingOutput('quick');
    const p = pipeline({
      service: { grace: 0.2 },
      register: [slowExit, quick.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [
        { name: 'quick', match: '*' },
        { name: 'slow_exit', match: '*' },
      ],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    const report = await p.stop();
    expect(report.exitTimedOut).toEqual(['slow_exit.0']);
    expect(slowExitDone).toBe(false); // the report did not wait for it
    // Everything was delivered: only the exit was late.
    expect(report.complete).toBe(true);
    expect(quick.delivered()).toHaveLength(1);
  });
});

describe('safety: data after the grace period', () => {
  it('counts and logs what an input hands over after the outputs closed, instead of losing it silently', async () => {
    const { logger, lines } = captureLogger();
    const late: InputPluginFactory = {
      kind: 'input',
      name: 'late',
      description: 'pushes two records from an exit that outlives Grace',
      create: () => {
        let sink: InputContext['sink'] | undefined;
        return {
          name: 'late',
          start: (ctx) => {
            sink = ctx.sink;
          },
          exit: async () => {
            await sleep(500);
            sink!.events([{ record: { n: 1 } }, { record: { n: 2 } }]);
          },
        };
      },
    };
    const out = recordingOutput();
    const p = pipeline({ logger, service: { grace: 0.2 }, register: [late, out.factory], inputs: [{ name: 'late', tag: 't' }], outputs: [{ name: 'recorder', match: '*' }] });
    await p.start();
    const report = await p.stop();
    expect(report.exitTimedOut).toEqual(['late.0']);
    await waitFor(() => p.metrics().inputs['late.0']!.droppedRecords === 2, 5000, 'the late records to be counted');
    expect(p.metrics().inputs['late.0']).toMatchObject({ records: 2, droppedRecords: 2 });
    expect(p.metrics().outputs['recorder.0']).toMatchObject({ records: 0, queuedChunks: 0, queuedBytes: 0 });
    expect(lines.some((l) => /records dropped: they arrived after the grace period/.test(l.msg))).toBe(true);
  });
});

describe('safety: a cancellation the engine did not ask for', () => {
  it('counts a FlushCancelledError thrown by a running plugin as an error, logged, not as a silent drop', async () => {
    const { logger, lines } = captureLogger();
    const out = recordingOutput();
    out.answer = () => {
      throw new FlushCancelledError('recorder.0', 't');
    };
    const p = pipeline({ logger, register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*' }] });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['recorder.0']!.errors === 1, 5000, 'the flush to count as an error');
    expect(p.metrics().outputs['recorder.0']).toMatchObject({ errors: 1, droppedRecords: 1, records: 0 });
    expect(lines.some((l) => /flush failed: .*was cancelled/.test(l.msg))).toBe(true);
  });
});
