/**
 * Safety net for backpressure on the lib input: what push() and write() do
 * while the input is paused, and when a paused input resumes.
 */
import { describe, expect, it } from 'vitest';
import { gatedOutput } from '../helpers/gated-output.js';
import { pipelineHarness, sleep } from '../helpers/pipeline-harness.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();
const afterThisTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('safety: the lib input while paused', () => {
  it('keeps every record pushed while paused by default (push() says false, nothing is dropped)', async () => {
    const out = gatedOutput();
    const p = pipeline({
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't', memBufLimit: 4096 }],
      outputs: [{ name: 'gated', match: '*' }],
    });
    await p.start();
    const lib = p.input('lib.0');
    const answers: boolean[] = [];
    // A producer that ignores push()'s answer: the default policy buffers anyway.
    for (let i = 0; i < 300; i++) {
      answers.push(lib.push({ i, pad: 'p'.repeat(50) }));
      if (i % 50 === 49) await afterThisTurn();
    }
    await afterThisTurn();
    const input = p.metrics().inputs['lib.0']!;
    expect(answers).toContain(false);
    expect(input.paused).toBe(true);
    expect(input.records).toBe(300);
    expect(input.droppedRecords).toBe(0);
    out.open();
    await waitFor(() => out.delivered.length >= 300, 5000, 'every record');
    const seen = out.delivered.map((e) => e.record.i as number).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('write() resolves only once the engine has resumed the input', async () => {
    const out = gatedOutput();
    const p = pipeline({
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't', memBufLimit: 2048 }],
      outputs: [{ name: 'gated', match: '*' }],
    });
    await p.start();
    const lib = p.input('lib.0');
    for (let i = 0; i < 30; i++) lib.push({ i, pad: 'w'.repeat(100) });
    await afterThisTurn();
    expect(p.metrics().inputs['lib.0']!.paused).toBe(true);
    let pausedWhenResolved: boolean | undefined;
    const written = lib.write({ late: true }).then(() => {
      pausedWhenResolved = p.metrics().inputs['lib.0']!.paused;
    });
    await sleep(300);
    expect(pausedWhenResolved).toBeUndefined(); // still waiting: the output holds everything
    out.open();
    await written;
    expect(pausedWhenResolved).toBe(false);
    await waitFor(() => out.delivered.some((e) => e.record.late === true), 5000, 'the written record');
  });
});

describe('safety: a paused input resumes at half its limit', () => {
  // Chunks of one ~1 KB record each (chunk size 1000), released one at a time.
  const service = { chunkSize: 1000 };
  const pad = 'r'.repeat(1000);

  /**
   * Pushes until the input is paused, then lets the output finish one
   * flush at a time; after each, notes the buffered bytes and whether the
   * input is still paused, until it resumes.
   */
  async function releaseUntilResumed(p: ReturnType<typeof pipeline>, out: ReturnType<typeof gatedOutput>, buffered: () => number) {
    const lib = p.input('lib.0');
    let i = 0;
    while (lib.push({ i: i++, pad })) if (i > 100) throw new Error('the input was never paused');
    const steps: Array<{ buffered: number; paused: boolean }> = [{ buffered: buffered(), paused: p.metrics().inputs['lib.0']!.paused }];
    let resumed = false;
    lib.once('drain', () => (resumed = true));
    while (!resumed && steps.length < 30) {
      const before = buffered();
      out.finishOne();
      await waitFor(() => buffered() < before, 5000, 'the flushed chunk to be released');
      steps.push({ buffered: buffered(), paused: p.metrics().inputs['lib.0']!.paused });
    }
    out.open();
    return steps;
  }

  function expectResumeAtHalf(steps: Array<{ buffered: number; paused: boolean }>, limit: number) {
    const last = steps.at(-1)!;
    expect(last.paused).toBe(false);
    expect(last.buffered).toBeLessThanOrEqual(limit / 2);
    for (const step of steps.slice(0, -1)) {
      expect(step.paused).toBe(true);
      expect(step.buffered).toBeGreaterThan(limit / 2);
    }
    // It stayed paused after dropping back under the limit itself.
    expect(steps.some((step) => step.paused && step.buffered < limit)).toBe(true);
  }

  it('Mem_Buf_Limit: resumes once the input has at most half the limit buffered', async () => {
    const limit = 8 * 1024;
    const out = gatedOutput();
    const p = pipeline({ service, register: [out.factory], inputs: [{ name: 'lib', tag: 't', properties: { Mem_Buf_Limit: '8k' } }], outputs: [{ name: 'gated', match: '*' }] });
    await p.start();
    const steps = await releaseUntilResumed(p, out, () => p.metrics().inputs['lib.0']!.bufferedBytes);
    expect(steps[0]!.buffered).toBeGreaterThanOrEqual(limit);
    expectResumeAtHalf(steps, limit);
  });

  it('storage.total_limit_size: resumes once the output holds at most half its queue limit', async () => {
    const limit = 8 * 1024;
    const out = gatedOutput();
    const p = pipeline({
      service,
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'gated', match: '*', properties: { 'storage.total_limit_size': '8k' } }],
    });
    await p.start();
    const steps = await releaseUntilResumed(p, out, () => p.metrics().outputs['gated.0']!.queuedBytes);
    expect(steps[0]!.buffered).toBeGreaterThanOrEqual(limit);
    expectResumeAtHalf(steps, limit);
  });
});
