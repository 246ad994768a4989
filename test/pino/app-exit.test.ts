/**
 * flbhost/pino in an application process, ended the ways applications end:
 * transport.end(), process.exit(), and the event loop running dry (pino's
 * on-exit handling). Every line must reach a real Go output (out_gjsonl,
 * one JSON line per record) with its time to the millisecond, its level as
 * pino wrote it, and its fields; flbhost's own lines go to stderr only.
 */
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { closingReport, runApp, timeOf } from './pino-app.js';

const dir = tempDir('flbhost-pino-');
const gjsonl = () => inject('goPlugins').out_gjsonl!;

/** Checks every line 0..n-1 arrived once, exactly as logged. */
function expectEveryLine(path: string, n: number, levels: readonly unknown[] = [30, 40, 50]): void {
  const lines = readJsonLines(path).filter((line) => !('exit' in line));
  expect(lines).toHaveLength(n);
  const seen = new Set<number>();
  for (const line of lines) {
    const record = line.record as Record<string, unknown>;
    const i = record.seq as number;
    expect(seen.has(i)).toBe(false);
    seen.add(i);
    const ms = timeOf(i);
    expect({ sec: line.sec, nsec: line.nsec }).toEqual({ sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 });
    expect(line.tag).toBe('pino');
    // The record is everything but time, exactly as pino wrote it.
    expect(record).toEqual({
      level: levels[i % 3],
      pid: 4242,
      hostname: 'test-host',
      seq: i,
      req: { method: 'GET', url: `/orders/${i}` },
      ok: i % 2 === 0,
      msg: `request ${i} done`,
    });
  }
}

/** A small Mem_Buf_Limit and a short Flush: bursts outrun the pipeline and must wait for it. */
const tight = { memBufLimit: '256K', flush: 0.05 };

describe('flbhost/pino in an application process', () => {
  it.each(['end', 'exit', 'natural'] as const)('delivers every line of 20,000 (with bursts) when the app ends by %s', async (exit) => {
    const path = join(dir, `exit-${exit}.jsonl`);
    const run = await runApp({
      options: { plugin: gjsonl(), properties: { path, id: exit }, ...tight },
      lines: 20_000,
      burstEvery: 4_000,
      burst: 6_000,
      exit,
    });
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    expect(run.stdout).toContain('logged 20000\n');
    expectEveryLine(path, 20_000);
    const report = closingReport(run);
    expect(report).toMatchObject({ level: 30, records: 20_000, delivered: { 'gjsonl.0': 20_000 }, invalidLines: 0, undelivered: 0, dropped: 0 });
    // The bursts made the transport wait for the pipeline (the lib input paused).
    expect(report!.pauses).toBeGreaterThan(0);
  });

  it('keeps levels the application formats as labels', async () => {
    const path = join(dir, 'labels.jsonl');
    const run = await runApp({ options: { plugin: gjsonl(), properties: { path } }, lines: 300, labels: true });
    expect(run.status).toBe(0);
    expectEveryLine(path, 300, ['info', 'warn', 'error']);
  });

  it('skips lines that are not JSON objects, counts them and warns once', async () => {
    const path = join(dir, 'invalid.jsonl');
    const run = await runApp({ options: { plugin: gjsonl(), properties: { path } }, lines: 500, invalid: 10 });
    expect(run.status).toBe(0);
    expectEveryLine(path, 500);
    const warnings = run.logs.filter((line) => String(line.msg).includes('not a JSON object'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, sample: 'not json 0' });
    expect(closingReport(run)).toMatchObject({ level: 40, records: 500, invalidLines: 10 });
    expect(String(closingReport(run)!.msg)).toContain('10 line(s) were not JSON objects');
  });

  it("logs flbhost's own lines to stderr, never into the transport", async () => {
    const path = join(dir, 'own-logs.jsonl');
    // debug: the engine and the plugin say more; none of it may become a record.
    const run = await runApp({ options: { plugin: gjsonl(), properties: { path }, logLevel: 'debug', ...tight }, lines: 5_000, burstEvery: 1_000, burst: 2_000 });
    expect(run.status).toBe(0);
    expectEveryLine(path, 5_000);
    const own = run.logs.filter((line) => line.name === 'flbhost/pino');
    expect(own.length).toBeGreaterThan(2);
    expect(own.some((line) => line.level === 20)).toBe(true);
    for (const line of readJsonLines(path).filter((line) => !('exit' in line))) expect((line.record as Record<string, unknown>).name).toBeUndefined();
  });

  it('refuses bad options at boot with an error that reaches pino', async () => {
    const run = await runApp({ options: { plugn: gjsonl() } });
    expect(run.status).toBe(3);
    expect(run.stdout).toContain("boot failed: flbhost/pino: unknown option 'plugn'; did you mean 'plugin'?");
  });

  it('refuses a plugin that does not load, naming it', async () => {
    const run = await runApp({ options: { plugin: join(dir, 'missing.so') } });
    expect(run.status).toBe(3);
    expect(run.stdout).toMatch(/boot failed: .*missing\.so/);
  });
});
