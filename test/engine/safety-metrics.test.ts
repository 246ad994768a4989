/**
 * Safety net for the outputs' flush latency metrics (flushLatencyMs): one
 * sample per flush, as long as the plugin took at least.
 */
import { describe, expect, it } from 'vitest';
import { cPlugin } from '../helpers/paths.js';
import { pipelineHarness, sleep } from '../helpers/pipeline-harness.js';
import { recordingOutput } from '../helpers/test-output.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();

describe('safety: flush latency metrics', () => {
  it('records each TypeScript flush: count, an average and a maximum no shorter than the flushes', async () => {
    // Three chunks whose flushes take 60, 250 and 60 ms, in that order, so
    // that the maximum is not the last one.
    const durations = [60, 250, 60];
    const out = recordingOutput();
    let flushes = 0;
    out.answer = async () => {
      await sleep(durations[flushes++]!);
      return 'ok' as const;
    };
    const p = pipeline({ register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*' }] });
    await p.start();
    for (let i = 0; i < durations.length; i++) {
      p.input('lib.0').push({ i });
      await waitFor(() => p.metrics().outputs['recorder.0']!.chunks === i + 1, 5000, `flush ${i + 1}`);
    }
    const latency = p.metrics().outputs['recorder.0']!.flushLatencyMs;
    expect(latency.count).toBe(3);
    // Node's timers may fire up to a millisecond early: a few ms of slack.
    const early = 5;
    expect(latency.max).toBeGreaterThanOrEqual(250 - early);
    expect(latency.avg).toBeGreaterThanOrEqual((60 + 250 + 60) / 3 - early);
    expect(latency.avg).toBeLessThanOrEqual(latency.max);
    expect(latency.max).toBeLessThan(5000);
  });

  it('records a .so flush at least as long as the plugin slept', async () => {
    const p = pipeline({
      plugins: [cPlugin('out_sleep')],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'sleep', match: '*', properties: { sleep_ms: 200 } }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['sleep.0']!.records === 1, 5000, 'the flush');
    const latency = p.metrics().outputs['sleep.0']!.flushLatencyMs;
    expect(latency.count).toBe(1);
    expect(latency.avg).toBeGreaterThanOrEqual(200);
    expect(latency.max).toBe(latency.avg);
    expect(latency.max).toBeLessThan(5000);
  });
});
