import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EventTime, Pipeline } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { pipelineHarness } from '../helpers/pipeline-harness.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { recordingOutput } from '../helpers/test-output.js';
import { waitFor } from '../helpers/wait.js';

const dir = tempDir();
const pipeline = pipelineHarness();

describe('pipeline: routing', () => {
  it('routes by Tag and Match (wildcards) and Match_Regex, one record to several outputs', async () => {
    const all = recordingOutput('all');
    const web = recordingOutput('web');
    const regex = recordingOutput('rx');
    const p = pipeline({
      register: [all.factory, web.factory, regex.factory],
      inputs: [{ name: 'lib', tag: 'app.web' }, { name: 'lib', properties: { Tag: 'app.db', Alias: 'db' } }],
      outputs: [
        { name: 'all', match: '*' },
        { name: 'web', properties: { Match: 'app.w*' } },
        { name: 'rx', properties: { Match_Regex: '^app\\.(db|cache)$' } },
      ],
    });
    await p.start();
    p.input('lib.0').push({ n: 1 });
    p.input('db').push({ n: 2 });
    await p.stop();
    expect(all.delivered().map((e) => [e.tag, e.record.n]).sort()).toEqual([
      ['app.db', 2],
      ['app.web', 1],
    ]);
    expect(web.delivered().map((e) => e.record.n)).toEqual([1]);
    expect(regex.delivered().map((e) => e.record.n)).toEqual([2]);
  });

  it('counts and logs records that match no output, instead of losing them silently', async () => {
    const { logger, lines } = captureLogger();
    const out = recordingOutput();
    const p = pipeline({ logger, register: [out.factory], inputs: [{ name: 'lib', tag: 'nobody.listens' }], outputs: [{ name: 'recorder', match: 'app.*' }] });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    p.input('lib.0').push({ a: 2 });
    await p.stop();
    expect(p.metrics().inputs['lib.0']!.unroutedRecords).toBe(2);
    expect(lines.some((l) => /no output matches tag 'nobody\.listens'/.test(l.msg))).toBe(true);
  });

  it('names the known plugins when one is unknown', async () => {
    const p = pipeline({ inputs: [{ name: 'lib' }], outputs: [{ name: 'no_such_output', match: '*' }] });
    await expect(p.start()).rejects.toThrow(/unknown output plugin 'no_such_output'; known outputs: .*null.*stdout/);
  });
});

describe('pipeline: chunking', () => {
  it('groups records per tag into one chunk per Flush interval', async () => {
    const out = recordingOutput();
    const p = pipeline({ service: { flush: 0.2 }, register: [out.factory], inputs: [{ name: 'lib', tag: 'a' }], outputs: [{ name: 'recorder', match: '*' }] });
    await p.start();
    const lib = p.input('lib.0');
    for (let i = 0; i < 100; i++) lib.push({ i }, { tag: i % 2 ? 'odd' : 'even' });
    await waitFor(() => out.calls.length >= 2, 5000, 'the first flush');
    expect(out.calls.map((c) => [c.tag, c.events.length]).sort()).toEqual([
      ['even', 50],
      ['odd', 50],
    ]);
  });

  it('flushes a chunk as soon as it reaches the chunk size', async () => {
    const out = recordingOutput();
    const p = pipeline({ service: { flush: 60, chunkSize: 4096 }, register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*' }] });
    await p.start();
    for (let i = 0; i < 200; i++) p.input('lib.0').push({ i, pad: 'x'.repeat(100) });
    await waitFor(() => out.calls.length >= 5, 5000, 'size-triggered flushes');
    // About the chunk size each (like Fluent Bit, at most one record past it),
    // long before the 60 s flush interval.
    const oneRecord = 130;
    expect(out.calls.every((c) => c.bytes <= 4096 + oneRecord)).toBe(true);
    expect(out.calls.slice(0, 4).every((c) => c.bytes > 4096 / 2)).toBe(true);
  });
});

describe('pipeline: retry', () => {
  it('retries with backoff and delivers once', async () => {
    const out = recordingOutput();
    out.answer = ({ attempt }) => (attempt < 3 ? 'retry' : 'ok');
    const p = pipeline({ register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*', retryLimit: 5 }] });
    await p.start();
    p.input('lib.0').push({ once: true });
    await waitFor(() => out.delivered().length === 1, 5000, 'delivery');
    const m = p.metrics().outputs['recorder.0']!;
    expect(m).toMatchObject({ records: 1, retries: 2, retriedRecords: 2, droppedRecords: 0, errors: 0 });
  });

  it('drops a chunk for that output when its retries run out (Retry_Limit 1 by default), and logs why', async () => {
    const { logger, lines } = captureLogger();
    const out = recordingOutput();
    out.answer = () => 'retry';
    const p = pipeline({ logger, register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*' }] });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await waitFor(() => p.metrics().outputs['recorder.0']!.retriesFailed === 1, 5000, 'the retry to fail');
    expect(out.calls).toHaveLength(2); // first attempt + 1 retry
    expect(p.metrics().outputs['recorder.0']).toMatchObject({ retries: 1, retriesFailed: 1, droppedRecords: 1 });
    expect(lines.some((l) => /chunk cannot be retried \(Retry_Limit 1 reached\): 1 record\(s\) dropped/.test(l.msg))).toBe(true);
  });

  it('no_retries drops at the first retry; error drops for that output only', async () => {
    const failing = recordingOutput('failing');
    failing.answer = ({ tag }) => (tag === 'e' ? 'error' : 'retry');
    const healthy = recordingOutput('healthy');
    const p = pipeline({
      register: [failing.factory, healthy.factory],
      inputs: [{ name: 'lib', tag: 'e' }],
      outputs: [
        { name: 'failing', match: '*', retryLimit: 'no_retries' },
        { name: 'healthy', match: '*' },
      ],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    p.input('lib.0').push({ a: 2 }, { tag: 'r' });
    await p.stop();
    expect(failing.calls.map((c) => c.result).sort()).toEqual(['error', 'retry']);
    expect(p.metrics().outputs['failing.0']).toMatchObject({ errors: 1, retriesFailed: 1, droppedRecords: 2, records: 0 });
    expect(healthy.delivered().map((e) => e.record.a).sort()).toEqual([1, 2]);
  });
});

describe('pipeline: bounded memory and backpressure', () => {
  it('pauses the lib input while an output is stalled, stays under the limit, and delivers every record after', async () => {
    const out = recordingOutput();
    let stalled = true;
    out.answer = () => (stalled ? 'retry' : 'ok');
    const limit = 32 * 1024;
    const p = pipeline({
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't', memBufLimit: limit }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 'no_limits' }],
    });
    await p.start();
    const lib = p.input('lib.0');
    let peak = 0;
    let refusedAt = -1;
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) {
        const accepted = lib.push({ i, pad: 'y'.repeat(100) });
        peak = Math.max(peak, p.metrics().inputs['lib.0']!.bufferedBytes);
        if (!accepted) {
          if (refusedAt < 0) refusedAt = i;
          await new Promise((resolve) => lib.once('drain', resolve));
        }
      }
    })();
    await waitFor(() => refusedAt >= 0, 5000, 'push() to return false');
    expect(p.metrics().inputs['lib.0']!.paused).toBe(true);
    stalled = false; // the output recovers
    await producer;
    await p.stop();
    const seen = out.delivered().map((e) => e.record.i as number).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i)); // every record, once
    // Never past the limit plus one turn's batch of pushes.
    expect(peak).toBeLessThanOrEqual(limit + 64 * 1024);
    expect(p.metrics().inputs['lib.0']!.pauses).toBeGreaterThan(0);
  });

  it('write() waits for drain; overflow "drop" drops and counts instead of buffering', async () => {
    const out = recordingOutput();
    out.answer = () => 'retry';
    const p = pipeline({
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't', memBufLimit: 1024, properties: { overflow: 'drop' } }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 'no_limits' }],
    });
    await p.start();
    const lib = p.input('lib.0');
    for (let i = 0; i < 50; i++) lib.push({ i, pad: 'z'.repeat(100) });
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 10; i++) lib.push({ late: i });
    expect(p.metrics().inputs['lib.0']!.droppedRecords).toBe(10);
  });

  it('pauses a .so input through FLBPluginInputPause when an output is over its queue limit', async () => {
    const traceFile = join(dir, 'pause-trace.log');
    process.env.FLBHOST_TRACE_FILE = traceFile;
    const out = recordingOutput();
    let stalled = true;
    out.answer = () => (stalled ? 'retry' : 'ok');
    const p = pipeline({
      plugins: [cPlugin('in_gen')],
      register: [out.factory],
      inputs: [{ name: 'gen', tag: 'gen', interval: 1, properties: { records: 20, record_bytes: 200, total: 2000, id: 'G' } }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 'no_limits', queueLimit: 64 * 1024 }],
    });
    await p.start();
    await waitFor(() => p.metrics().inputs['gen.0']!.paused, 5000, 'the input to be paused');
    await waitFor(() => readFileSync(traceFile, 'utf8').includes('pause G'), 5000, 'FLBPluginInputPause');
    expect(p.metrics().outputs['recorder.0']!.queuedBytes).toBeLessThan(64 * 1024 + 8 * 1024);
    stalled = false;
    await waitFor(() => out.delivered().length === 2000, 10_000, 'all 2000 records');
    await p.stop();
    const seqs = out.delivered().map((e) => e.record.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(readFileSync(traceFile, 'utf8')).toMatch(/resume G/);
    rmSync(traceFile, { force: true });
  });
});

describe('pipeline: .so plugins end to end', () => {
  it('lib input → C output and Go output, with nanosecond times', async () => {
    const cPath = join(dir, 'c.jsonl');
    const goPath = join(dir, 'go.jsonl');
    const p = pipeline({
      plugins: [cPlugin('out_jsonl'), inject('goPlugins').out_gjsonl!],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [
        { name: 'jsonl', match: 'app', properties: { path: cPath } },
        { name: 'gjsonl', match: 'app', properties: { path: goPath, id: 'go' } },
      ],
    });
    await p.start();
    p.input('lib.0').push({ msg: 'hi' }, { time: new EventTime(1700000000, 123456789) });
    const report = await p.stop();
    expect(report).toEqual({ complete: true, undelivered: {}, exitTimedOut: [] });
    expect(readJsonLines(cPath)).toEqual([{ tag: 'app', sec: 1700000000, nsec: 123456789, record: { msg: 'hi' } }]);
    expect(readJsonLines(goPath)[0]).toEqual({ id: 'go', tag: 'app', sec: 1700000000, nsec: 123456789, record: { msg: 'hi' } });
  });

  it('C input → C output, with integer timestamps normalised on the way', async () => {
    const path = join(dir, 'gen.jsonl');
    const p = pipeline({
      plugins: [cPlugin('in_gen'), cPlugin('out_jsonl')],
      inputs: [{ name: 'gen', interval: 5, properties: { records: 5, total: 10, ts: 'int', Tag: 'gen.events' } }],
      outputs: [{ name: 'jsonl', match: 'gen.*', properties: { path } }],
    });
    await p.start();
    await waitFor(() => p.metrics().inputs['gen.0']!.records === 10, 5000, '10 records');
    await p.stop();
    const lines = readJsonLines(path);
    expect(lines.map((l) => l.record && (l.record as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lines[3]).toMatchObject({ tag: 'gen.events', sec: 1700000003, nsec: 0 });
  });
});

describe('pipeline: lib input metadata', () => {
  it('keeps metadata given as an object or as a Map', async () => {
    const out = recordingOutput();
    const p = pipeline({ register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*', eventFormat: 'v2' }] });
    await p.start();
    const lib = p.input('lib.0');
    lib.push({ n: 1 }, { metadata: { source: 'object' } });
    lib.push({ n: 2 }, { metadata: new Map([['source', 'map']]) });
    lib.push({ n: 3 });
    await p.stop();
    const byN = Object.fromEntries(out.delivered().map((e) => [e.record.n as number, e.metadata]));
    expect(byN).toEqual({ 1: { source: 'object' }, 2: { source: 'map' }, 3: {} });
  });
});

describe('pipeline: graceful shutdown', () => {
  it('flushes open chunks and makes pending retries immediate', async () => {
    const out = recordingOutput();
    out.answer = ({ attempt }) => (attempt === 1 ? 'retry' : 'ok');
    const p = pipeline({
      service: { flush: 30, schedulerBase: 60, schedulerCap: 120 },
      register: [out.factory],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [{ name: 'recorder', match: '*', retryLimit: 3 }],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    const started = Date.now();
    const report = await p.stop();
    expect(Date.now() - started).toBeLessThan(3000); // not the 30 s flush nor the 60 s backoff
    expect(report.complete).toBe(true);
    expect(out.calls.map((c) => c.result)).toEqual(['retry', 'ok']);
    expect(out.delivered().map((e) => e.record.a)).toEqual([1]);
    expect(out.exited).toEqual(['recorder.0']);
  });

  it('reports what could not be delivered within Grace, per output', async () => {
    const { logger, lines } = captureLogger();
    const out = recordingOutput();
    out.answer = () => new Promise((resolve) => setTimeout(() => resolve('retry'), 50));
    const p = pipeline({ logger, service: { grace: 0.5 }, register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'recorder', match: '*', retryLimit: 'no_limits' }] });
    await p.start();
    for (let i = 0; i < 7; i++) p.input('lib.0').push({ i });
    const report = await p.stop();
    expect(report.complete).toBe(false);
    expect(report.undelivered['recorder.0']).toMatchObject({ records: 7, chunks: 1 });
    expect(lines.some((l) => /shutdown: 7 record\(s\) in 1 chunk\(s\) were not delivered to recorder\.0 within the grace period/.test(l.msg))).toBe(true);
    expect(() => p.input('lib.0').push({ late: true })).toThrow(/the pipeline is stopped/);
  });

  it('hands a .so output chunks ahead of its worker, and cancels those not started at the grace deadline', async () => {
    const { logger, lines } = captureLogger();
    const p = pipeline({
      logger,
      // Chunks sealed at 1000 bytes: each push below fills one.
      service: { grace: 0.3, chunkSize: 1000 },
      plugins: [cPlugin('out_sleep')],
      inputs: [{ name: 'lib', tag: 't' }],
      // Merging off: a worker that wakes after all five are queued would pass them in one call.
      outputs: [{ name: 'sleep', match: '*', properties: { sleep_ms: 500, Flush_Merge_Limit: 0 } }],
    });
    await p.start();
    const lib = p.input('lib.0');
    for (let i = 0; i < 5; i++) {
      lib.push({ i, pad: 'x'.repeat(1000) });
      lib.handOver();
    }
    // One worker, yet all five chunks are with the plugin's native queue.
    expect(p.metrics().outputs['sleep.0']!.inFlight).toBe(5);
    const started = Date.now();
    const report = await p.stop();
    const elapsed = Date.now() - started;
    // Without the cancel, the close would wait for 5 x 500 ms of flushes.
    expect(elapsed).toBeLessThan(1500);
    expect(report.complete).toBe(false);
    expect(report.undelivered['sleep.0']).toMatchObject({ records: 5, chunks: 5 });
    // The flush inside the plugin at the deadline still completes; the other four never ran.
    const metrics = p.metrics().outputs['sleep.0']!;
    expect(metrics.records).toBe(1);
    expect(metrics.droppedRecords).toBe(4);
    expect(metrics.errors).toBe(0);
    expect(lines.some((l) => /flush failed/.test(l.msg))).toBe(false);
  });

  it('exits .so outputs and unregisters each .so once', async () => {
    const traceFile = join(dir, 'exit-trace.log');
    process.env.FLBHOST_TRACE_FILE = traceFile;
    const p = pipeline({
      plugins: [cPlugin('out_trace')],
      inputs: [{ name: 'lib', tag: 't' }],
      outputs: [
        { name: 'trace', match: '*', properties: { id: 'A' } },
        { name: 'trace', match: '*', properties: { id: 'B' } },
      ],
    });
    await p.start();
    p.input('lib.0').push({ a: 1 });
    await p.stop();
    const lines = readFileSync(traceFile, 'utf8').trim().split('\n');
    rmSync(traceFile, { force: true });
    expect(lines.filter((l) => l.startsWith('flush_ctx'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('exit_ctx'))).toHaveLength(2);
    expect(lines.filter((l) => l === 'unregister')).toHaveLength(1);
    expect(lines.at(-1)).toBe('unregister');
  });
});

describe('pipeline: built-in plugins', () => {
  it('dummy → callback and file outputs, with Fluent Bit keys', async () => {
    const { callbackOutput } = await import('../../src/index.js');
    const seen: Array<{ tag: string; record: Record<string, unknown> }> = [];
    const p = pipeline({
      register: [callbackOutput((events) => void seen.push(...events))],
      inputs: [{ name: 'dummy', properties: { Tag: 'dummy.app', Dummy: '{"message":"hi","n":1}', Samples: 5, Rate: 200 } }],
      outputs: [
        { name: 'callback', properties: { Match: 'dummy.*' } },
        { name: 'file', properties: { Match: '*', Path: dir, File: 'dummy.out', Format: 'plain' } },
      ],
    });
    await p.start();
    await waitFor(() => p.metrics().inputs['dummy.0']!.records === 5, 5000, 'five samples');
    const report = await p.stop();
    expect(report.complete).toBe(true);
    expect(seen).toHaveLength(5);
    expect(seen[0]).toMatchObject({ tag: 'dummy.app', record: { message: 'hi', n: 1 } });
    expect(readFileSync(join(dir, 'dummy.out'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual(new Array(5).fill({ message: 'hi', n: 1 }));
  });
});
