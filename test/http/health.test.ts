/**
 * The health check: the window arithmetic on its own, then a C output that
 * returns errors (out_status, tag "error") turning /api/v1/health to 500
 * and back to 200 once HC_Period passes without errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline, startHttpServer, type RunningHttpServer } from '../../src/index.js';
import { HealthTracker } from '../../src/http/health.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';

describe('HealthTracker', () => {
  it('is healthy before any sample, and while failures within the period stay at or under the limits', () => {
    const totals = { errors: 0, retriesFailed: 0 };
    const health = new HealthTracker(() => ({ ...totals }), { errors: 2, retryFailures: 1, period: 3 });
    expect(health.state().healthy).toBe(true);
    health.sample();
    totals.errors = 2;
    health.sample();
    expect(health.state()).toMatchObject({ healthy: true, errors: 2 }); // equal to the limit: still healthy
    totals.errors = 3;
    health.sample();
    expect(health.state()).toMatchObject({ healthy: false, errors: 3 });
    // No new errors: the window slides past them.
    health.sample();
    // Kept: totals 2, 3, 3 -> 1 error in the period.
    expect(health.state()).toMatchObject({ healthy: true, errors: 1 });
    health.sample();
    health.sample();
    expect(health.state()).toMatchObject({ healthy: true, errors: 0 });
    totals.retriesFailed = 2;
    health.sample();
    expect(health.state()).toMatchObject({ healthy: false, retriesFailed: 2 });
  });
});

describe('/api/v1/health with a failing C output', () => {
  let pipeline: Pipeline | undefined;
  let server: RunningHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    await pipeline?.stop();
  });

  it('turns 500 while out_status keeps answering FLB_ERROR, and 200 again HC_Period after it stops', async () => {
    pipeline = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 0.05, healthCheck: true, hcErrorsCount: 1, hcPeriod: 2, httpPort: 0 },
      plugins: [cPlugin('out_status')],
      inputs: [{ name: 'lib', tag: 'error' }],
      outputs: [{ name: 'status', match: '*' }],
    });
    await pipeline.start();
    server = await startHttpServer(pipeline);
    const health = async () => {
      const response = await fetch(`${server!.url}/api/v1/health`);
      return { status: response.status, body: await response.text() };
    };
    expect(await health()).toEqual({ status: 200, body: 'ok\n' });

    // An error per chunk, a few chunks: more than HC_Errors_Count within HC_Period.
    const failing = setInterval(() => pipeline!.input('lib.0').push({ msg: 'x' }), 100);
    let last = { status: 0, body: '' };
    try {
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline) {
        last = await health();
        if (last.status === 500) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      clearInterval(failing);
    }
    expect(last).toEqual({ status: 500, body: 'error\n' });
    expect(pipeline.metrics().outputs['status.0']!.errors).toBeGreaterThan(1);
    const v2 = await (await fetch(`${server.url}/api/v2/health`)).json();
    expect(v2).toMatchObject({ status: 'error', error_limit: 1, period_limit: 2 });

    // No more errors: healthy once the 2 s window has slid past them.
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && last.status !== 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await health();
    }
    expect(last).toEqual({ status: 200, body: 'ok\n' });
  });
});
