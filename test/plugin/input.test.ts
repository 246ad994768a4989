import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlugin } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { take } from '../helpers/take-events.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const traceFile = join(tempDir(), 'trace.log');
process.env.FLBHOST_TRACE_FILE = traceFile;
const trace = () => {
  try {
    return readFileSync(traceFile, 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};
afterEach(() => rmSync(traceFile, { force: true }));

describe('input plugins (C generator)', () => {
  it('runs Init, PreRun, callbacks with cleanup, then Pause, PreExit, Exit on its thread', async () => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    const input = await lib.createInput({ properties: { id: 'A', records: 2, total: 4 }, interval: 10 });
    const events = await take(input, 4);
    await input.close();
    expect(events.map((e) => e.record.seq)).toEqual([0, 1, 2, 3]);
    const lines = trace().filter((l) => !l.startsWith('pre_register') && l !== 'register' && !l.startsWith('[probe] '));
    expect(lines.slice(0, 6)).toEqual(['init A', 'pre_run 0', 'collect A 2', 'cleanup A', 'collect A 2', 'cleanup A']);
    expect(lines.slice(-4)).toEqual(['pause A', 'pre_exit 0', 'exit', 'unregister']);
  });

  it('tags events with the instance name by default, or the given tag', async () => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    const plain = await lib.createInput({ properties: { total: 1 }, interval: 10 });
    const [first] = await take(plain, 1);
    await plain.close();
    expect(first!.tag).toBe(plain.name);
    expect(plain.name).toMatch(/^gen\.\d+$/);
    const tagged = await lib.createInput({ tag: 'app.gen', properties: { total: 1 }, interval: 10 });
    expect((await take(tagged, 1))[0]!.tag).toBe('app.gen');
    await tagged.close();
  });

  it.each([
    ['ext', 'v1', { sec: 1700000001, nsec: 1 }],
    ['ext8', 'v1', { sec: 1700000001, nsec: 1 }],
    ['int', 'v2', { sec: 1700000001, nsec: 0 }],
    ['float', 'v2', { sec: 1700000001, nsec: 500_000_000 }],
  ])('decodes timestamps sent as %s in %s events', async (ts, format, expected) => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    const input = await lib.createInput({ properties: { ts, format, records: 2, total: 2 }, interval: 10 });
    const [, second] = await take(input, 2);
    await input.close();
    expect({ sec: second!.time.seconds, nsec: second!.time.nanoseconds }).toEqual(expected);
    expect(second!.metadata).toEqual(format === 'v2' ? { src: 'gen' } : {});
  });

  it('decodes msgpack timestamps inside records as Dates', async () => {
    const input = await (await loadPlugin(cPlugin('in_gen'))).createInput({ properties: { nested_time: 'true', total: 1 }, interval: 10 });
    const [event] = await take(input, 1);
    await input.close();
    expect(event!.record.at).toEqual(new Date(1700000000_000));
  });

  it('ingests data returned with FLB_ERROR or FLB_RETRY; -1 is an error and nothing is ingested or cleaned up', async () => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    for (const value of ['0', '2']) {
      const input = await lib.createInput({ properties: { return: value, total: 1 }, interval: 10 });
      expect((await take(input, 1))[0]!.record.seq).toBe(0);
      await input.close();
    }
    rmSync(traceFile, { force: true });
    const failing = await lib.createInput({ properties: { id: 'F', return: '-1' }, interval: 5 });
    await waitFor(() => failing.stats().collectErrors >= 3, 5000, 'three failed collects');
    await failing.close();
    const stats = failing.stats();
    expect(stats.chunks).toBe(0);
    expect(stats.collectErrors).toBeGreaterThanOrEqual(3);
    expect(trace().some((l) => l.startsWith('cleanup'))).toBe(false);
  });

  it('frees the data itself when the plugin exports no cleanup callback', async () => {
    const lib = await loadPlugin(cPlugin('in_gen_nocleanup'));
    expect(lib.exports).not.toContain('FLBPluginInputCleanupCallback');
    const input = await lib.createInput({ properties: { records: 3, total: 9 }, interval: 5 });
    expect((await take(input, 9)).map((e) => e.record.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await input.close();
  });

  it('passes each instance its own context (offset 8) to the Ctx callbacks', async () => {
    const lib = await loadPlugin(cPlugin('in_gen_ctx'));
    expect(lib.exports).toEqual(expect.arrayContaining(['FLBPluginInputCallbackCtx', 'FLBPluginInputCleanupCallbackCtx']));
    const [a, b] = await Promise.all([
      lib.createInput({ properties: { id: 'A', records: 2, total: 4 }, interval: 5 }),
      lib.createInput({ properties: { id: 'B', records: 1, total: 3 }, interval: 5 }),
    ]);
    const [fromA, fromB] = await Promise.all([take(a, 4), take(b, 3)]);
    await Promise.all([a.close(), b.close()]);
    // The plugin returns -1 when it gets a context it did not set.
    expect(fromA.map((e) => [e.record.id, e.record.seq])).toEqual([['A', 0], ['A', 1], ['A', 2], ['A', 3]]);
    expect(fromB.map((e) => [e.record.id, e.record.seq])).toEqual([['B', 0], ['B', 1], ['B', 2]]);
    expect(a.stats().collectErrors + b.stats().collectErrors).toBe(0);
    expect(trace().some((l) => l.startsWith('bad_context'))).toBe(false);
  });

  it('counts and logs malformed data with the plugin name, keeping the valid events before it', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('in_gen'), { logger });
    const input = await lib.createInput({ properties: { records: 4, malformed_at: 2, total: 8 }, interval: 5 });
    const events = await take(input, 6);
    await input.close();
    // The first call's events 2 and 3 were replaced by garbage; the next call is valid again.
    expect(events.map((e) => e.record.seq)).toEqual([0, 1, 4, 5, 6, 7]);
    expect(input.stats().malformedChunks).toBe(1);
    const warning = lines.find((l) => /malformed data from the plugin/.test(l.msg));
    expect(warning).toMatchObject({ plugin: 'gen', instance: input.name, event: 2, kept: 2 });
  });

  it('delivers raw chunks exactly as the plugin produced them', async () => {
    const input = await (await loadPlugin(cPlugin('in_gen'))).createInput({ properties: { records: 3, total: 3 }, interval: 5 });
    let raw: Buffer | undefined;
    for await (const chunk of input.chunks()) {
      raw = chunk.data;
      expect(chunk.tag).toBe(input.name);
      break;
    }
    await input.close();
    expect(raw![0]).toBe(0x92);
    expect(raw![1]).toBe(0xd7);
    expect(raw!.readUInt32BE(3)).toBe(1700000000);
  });

  it('polls every `interval` ms (start to start); 0 means continuously', async () => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    const slow = await lib.createInput({ properties: { total: 0 }, interval: 1000 });
    const fast = await lib.createInput({ properties: { total: 0 }, interval: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const slowCollects = slow.stats().collects;
    const fastCollects = fast.stats().collects;
    await Promise.all([slow.close(), fast.close()]);
    expect(slowCollects).toBe(1); // the first call is immediate, the next at 1 s
    expect(fastCollects).toBeGreaterThan(100);
  });

  it('pause() and resume() call the plugin on its thread and stop polling in between', async () => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    const input = await lib.createInput({ properties: { id: 'P' }, interval: 5 });
    input.on('event', () => {});
    await waitFor(() => input.stats().collects > 2, 5000, 'collects');
    input.pause();
    await waitFor(() => input.stats().paused, 5000, 'the pause');
    const frozen = input.stats().collects;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(input.stats().collects).toBe(frozen);
    input.resume();
    await waitFor(() => input.stats().collects > frozen, 5000, 'collects after resume');
    await input.close();
    const lines = trace();
    expect(lines.indexOf('resume P')).toBeGreaterThan(lines.indexOf('pause P'));
  });

  it('bounds the hand-off: a slow consumer pauses the plugin, memory stays under the bound, nothing is lost', async () => {
    const limit = 64 * 1024;
    const lib = await loadPlugin(cPlugin('in_gen'));
    // About 10 KiB per callback, as fast as the plugin can go.
    const input = await lib.createInput({ properties: { records: 10, record_bytes: 1000, total: 3000 }, interval: 0, bufferLimit: limit });
    let expected = 0;
    let gaps = 0;
    for await (const event of input) {
      if (event.record.seq !== expected) gaps++;
      expected = (event.record.seq as number) + 1;
      if (expected % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2)); // a slow consumer
      if (expected === 3000) break;
    }
    const stats = input.stats();
    await input.close();
    expect(gaps).toBe(0);
    expect(expected).toBe(3000);
    expect(stats.pauses).toBeGreaterThan(0); // the plugin really was paused
    expect(stats.droppedChunks).toBe(0);
    // Never more than the limit plus one callback's output (~10 KiB).
    expect(stats.peakOutstandingBytes).toBeGreaterThan(limit / 2);
    expect(stats.peakOutstandingBytes).toBeLessThanOrEqual(limit + 12 * 1024);
  });

  it('holds chunks while nobody consumes (pausing the plugin at the bound) and hands them over later', async () => {
    const lib = await loadPlugin(cPlugin('in_gen'));
    const input = await lib.createInput({ properties: { records: 10, record_bytes: 500, total: 400 }, interval: 0, bufferLimit: 32 * 1024 });
    await waitFor(() => input.stats().paused, 5000, 'the plugin to be paused by backpressure');
    expect(input.stats().peakOutstandingBytes).toBeLessThanOrEqual(32 * 1024 + 6 * 1024);
    const events = await take(input, 400);
    await input.close();
    expect(events.map((e) => e.record.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });
});

describe('custom plugins', () => {
  it('initialise with their properties, log, and exit on close (never Unregister)', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('custom_trace'), { logger });
    expect(lib.kind).toBe('custom');
    const custom = await lib.createCustom({ properties: { ID: 'C1' } });
    await custom.close();
    await waitFor(() => lines.some((l) => /custom_trace: init C1/.test(l.msg)), 5000, 'the init log line');
    expect(lines.find((l) => /init C1/.test(l.msg))).toMatchObject({ plugin: 'custom_trace', instance: custom.name });
    expect(trace()).toEqual(['init C1', 'exit']);
  });

  it('fail to start when Init returns <= 0', async () => {
    const lib = await loadPlugin(cPlugin('custom_trace'));
    await expect(lib.createCustom({ properties: { return: '0' } })).rejects.toThrow(/FLBPluginInit returned 0; the instance is not started/);
  });

  it('refuse the wrong kind of instance', async () => {
    await expect((await loadPlugin(cPlugin('custom_trace'))).createOutput()).rejects.toThrow(/'custom_trace' is a custom plugin, not an output/);
    await expect((await loadPlugin(cPlugin('in_gen'))).createOutput()).rejects.toThrow(/'gen' is an input plugin, not an output/);
  });
});
