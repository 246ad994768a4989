import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/index.js';
import { ByteCount, mayResume, mustPause } from '../../src/engine/byte-accounting.js';
import type { FlushResult } from '../../src/proxy/output.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { recordingOutput } from '../helpers/test-output.js';
import { waitFor } from '../helpers/wait.js';

describe('byte accounting: counts and marks', () => {
  it('is full at the limit and under the resume mark at half or less', () => {
    const count = new ByteCount(1000);
    count.add(999);
    expect(count.full).toBe(false);
    count.add(1);
    expect(count.full).toBe(true);
    count.release(499);
    expect([count.bytes, count.underResumeMark]).toEqual([501, false]);
    count.release(1);
    expect([count.bytes, count.underResumeMark]).toEqual([500, true]);
  });

  it('an unset Mem_Buf_Limit (0) never pauses', () => {
    const count = ByteCount.memBufLimit(0);
    count.add(1e12);
    expect(count.full).toBe(false);
    expect(count.underResumeMark).toBe(true);
    expect(ByteCount.memBufLimit(10).limit).toBe(10);
  });

  it('pauses when its own count or an output it fed is full; resumes only when all are under half', () => {
    const own = new ByteCount(100);
    const a = new ByteCount(100);
    const b = new ByteCount(100);
    expect(mustPause(own, [a, b])).toBe(false);
    b.add(100);
    expect(mustPause(own, [a, b])).toBe(true);
    expect(mustPause(own, [a])).toBe(false); // only the outputs fed count
    own.add(100);
    expect(mustPause(own, [])).toBe(true);
    own.release(50);
    b.release(49);
    expect(mayResume(own, [a, b])).toBe(false); // b at 51
    b.release(1);
    expect(mayResume(own, [a, b])).toBe(true);
    own.add(1);
    expect(mayResume(own, [a, b])).toBe(false); // own at 51
  });
});

describe('byte accounting: in a pipeline', () => {
  it('pauses a lib input at its Mem_Buf_Limit and resumes it only once its buffered bytes are back under half', async () => {
    // One chunk per push (chunk size 1000, records of ~1 KB); the output
    // answers one flush at a time, when the test says so.
    const gates: Array<(result: FlushResult) => void> = [];
    const out = recordingOutput();
    out.answer = () => new Promise<FlushResult>((resolve) => gates.push(resolve));
    const limit = 8000;
    const p = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 60, grace: 5, chunkSize: 1000 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't', memBufLimit: limit }],
      outputs: [{ name: 'recorder', match: '*' }],
    });
    await p.start();
    try {
      const lib = p.input('lib.0');
      const buffered = () => p.metrics().inputs['lib.0']!.bufferedBytes;
      const paused = () => p.metrics().inputs['lib.0']!.paused;
      let pushed = 0;
      while (lib.push({ n: pushed, pad: 'x'.repeat(1000) })) pushed++;
      pushed++;
      expect(paused()).toBe(true);
      expect(buffered()).toBeGreaterThanOrEqual(limit);
      expect(pushed).toBeLessThan(20);
      // Deliver chunk by chunk: paused while over half, resumed at the first step under it.
      const seen: Array<[number, boolean]> = [];
      for (let answered = 0; answered < pushed; answered++) {
        await waitFor(() => gates.length > answered, 5000, `flush ${answered + 1}`);
        gates[answered]!('ok');
        await waitFor(() => out.calls.length > answered && p.metrics().outputs['recorder.0']!.records === answered + 1, 5000, `result ${answered + 1}`);
        seen.push([buffered(), paused()]);
        if (!paused()) break;
      }
      const resumedAt = seen.findIndex(([, isPaused]) => !isPaused);
      expect(resumedAt).toBeGreaterThan(0);
      expect(seen[resumedAt]![0]).toBeLessThanOrEqual(limit / 2);
      for (const [bytes] of seen.slice(0, resumedAt)) expect(bytes).toBeGreaterThan(limit / 2);
      expect(p.metrics().inputs['lib.0']!.pauses).toBe(1);
      for (let i = seen.length; i < pushed; i++) {
        await waitFor(() => gates.length > i, 5000, `flush ${i + 1}`);
        gates[i]!('ok');
      }
      await waitFor(() => buffered() === 0, 5000, 'every chunk settled');
    } finally {
      out.answer = () => 'ok';
      for (const gate of gates) gate('ok');
      await p.stop();
    }
  });

  it('counts a chunk routed to two outputs twice, and releases each share when that output settles it', async () => {
    const gates: Array<(result: FlushResult) => void> = [];
    const slow = recordingOutput('slow');
    slow.answer = () => new Promise<FlushResult>((resolve) => gates.push(resolve));
    const fast = recordingOutput('fast');
    const p = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 60, grace: 5 },
      register: [slow.factory, fast.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [
        { name: 'slow', match: '*' },
        { name: 'fast', match: '*' },
      ],
    });
    await p.start();
    const lib = p.input('lib.0');
    lib.push({ n: 1 });
    lib.handOver();
    const m = () => p.metrics();
    const bytes = m().outputs['slow.0']!.queuedBytes;
    expect(bytes).toBeGreaterThan(0);
    expect(m().outputs['fast.0']!.queuedBytes).toBe(bytes);
    expect(m().inputs['lib.0']!.bufferedBytes).toBe(2 * bytes);
    expect(m().outputs['slow.0']!.queuedChunks).toBe(1);
    const stopping = p.stop(); // seals the chunk and hands it to both
    await waitFor(() => fast.delivered().length === 1 && gates.length === 1, 5000, 'both flushes');
    await waitFor(() => m().inputs['lib.0']!.bufferedBytes === bytes, 5000, "the fast output's share released");
    expect(m().outputs['slow.0']!).toMatchObject({ queuedBytes: bytes, queuedChunks: 1 });
    gates[0]!('ok');
    const report = await stopping;
    expect(report.complete).toBe(true);
    expect(m().inputs['lib.0']!.bufferedBytes).toBe(0);
    expect(m().outputs['slow.0']!).toMatchObject({ queuedBytes: 0, queuedChunks: 0, records: 1 });
  });
});
