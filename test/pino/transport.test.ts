/**
 * flbhost/pino under a real pino logger in this process: the transport's
 * worker loads the Go output, the logger writes 20,000 lines (one burst of
 * 10,000 in a single synchronous loop), transport.end() flushes, and every
 * line is in the output. Then the config-file form, and an isolated plugin
 * that crashes while the application keeps running.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { closingReport, runApp } from './pino-app.js';

const dir = tempDir('flbhost-pino-');
const gjsonl = () => inject('goPlugins').out_gjsonl!;

/** A logger over flbhost/pino, resolved the way an application's would be. */
async function transportLogger(options: Record<string, unknown>) {
  const transport = pino.transport({ target: 'flbhost/pino', options: { logLevel: 'warn', ...options } });
  await once(transport, 'ready');
  return { transport, logger: pino({ base: undefined, timestamp: false }, transport) };
}

async function endAndClose(transport: ReturnType<typeof pino.transport>): Promise<void> {
  const closed = once(transport, 'close');
  transport.end();
  await closed;
}

describe('flbhost/pino with a real pino logger', () => {
  it('delivers 20,000 lines into a Go output, time (ms), level and fields exact', async () => {
    const path = join(dir, 'in-process.jsonl');
    const { transport, logger } = await transportLogger({ plugin: gjsonl(), properties: { path, id: 'p' }, memBufLimit: '256K', flush: 0.05 });
    const base = 1767225600000;
    const log = (i: number) => {
      // time as pino writes it by default (epoch ms), fixed so it can be checked.
      logger.child({ time: base + i * 13 })[(['info', 'warn', 'error', 'fatal'] as const)[i % 4]!]({ seq: i, user: { id: i % 7, tags: ['a', `t${i}`] } }, `line ${i}`);
    };
    for (let i = 0; i < 5_000; i++) {
      log(i);
      if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    for (let i = 5_000; i < 15_000; i++) log(i); // the burst: no yield at all
    for (let i = 15_000; i < 20_000; i++) {
      log(i);
      if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await endAndClose(transport);

    const lines = readJsonLines(path).filter((line) => !('exit' in line));
    expect(lines).toHaveLength(20_000);
    const bySeq = new Map(lines.map((line) => [(line.record as { seq: number }).seq, line]));
    expect(bySeq.size).toBe(20_000);
    for (let i = 0; i < 20_000; i++) {
      const line = bySeq.get(i)!;
      const ms = base + i * 13;
      expect(line).toEqual({
        id: 'p',
        tag: 'pino',
        sec: Math.floor(ms / 1000),
        nsec: (ms % 1000) * 1_000_000,
        record: { level: [30, 40, 50, 60][i % 4], seq: i, user: { id: i % 7, tags: ['a', `t${i}`] }, msg: `line ${i}` },
      });
    }
    // ExitCtx ran: the pipeline stopped the plugin before the worker ended.
    expect(readJsonLines(path).at(-1)).toMatchObject({ id: 'p', exit: true });
  });

  it("takes pino's isoTime (and isoTimeNano) as the event time, and keeps BigInt fields past 2^53 exact", async () => {
    const path = join(dir, 'iso-bigint.jsonl');
    const transport = pino.transport({ target: 'flbhost/pino', options: { logLevel: 'warn', plugin: gjsonl(), properties: { path, id: 'i' }, flush: 0.05 } });
    await once(transport, 'ready');
    const before = Date.now();
    const iso = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, transport);
    // pino writes a BigInt as its digits (safe-stable-stringify): JSON.parse would round them.
    iso.info({ seq: 0, id: 9007199254740993n, nested: { u: 18446744073709551615n, i: -9223372036854775808n } }, 'big');
    const after = Date.now();
    const fixed = pino({ base: undefined, timestamp: false }, transport);
    fixed.child({ time: '2024-05-01T12:00:00.250000001+02:00' }).info({ seq: 1 }, 'nano');
    fixed.child({ time: 'yesterday' }).info({ seq: 2 }, 'kept');
    // Written into the stream as pino would, with a key order pino never makes: the time at the end.
    transport.write('{"seq":3,"msg":"raw","time":1714557600123.456}\n');
    await endAndClose(transport);

    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').filter((line) => line.includes('"seq":'));
    expect(lines).toHaveLength(4);
    // The exact digits, in the Go output's own JSON (read as text: JSON.parse would round them).
    expect(lines[0]).toContain('"id":9007199254740993');
    expect(lines[0]).toContain('"nested":{"i":-9223372036854775808,"u":18446744073709551615}');
    const parsed = lines.map((line) => JSON.parse(line) as { sec: number; nsec: number; record: Record<string, unknown> });
    const ms = parsed[0]!.sec * 1000 + Math.floor(parsed[0]!.nsec / 1e6);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    expect(parsed[0]!.nsec % 1_000_000).toBe(0);
    expect(parsed[0]!.record.time).toBeUndefined();
    expect(parsed[1]).toMatchObject({ sec: 1714557600, nsec: 250_000_001, record: { level: 30, seq: 1, msg: 'nano' } });
    expect(parsed[1]!.record.time).toBeUndefined();
    expect(parsed[2]!.record).toEqual({ level: 30, time: 'yesterday', seq: 2, msg: 'kept' });
    expect(parsed[3]).toMatchObject({ sec: 1714557600, nsec: 123_456_000, record: { seq: 3, msg: 'raw' } });
  });

  it('feeds the lib input of a config file (first one, or by name)', async () => {
    const first = join(dir, 'config-first.jsonl');
    const second = join(dir, 'config-second.jsonl');
    const config = join(dir, 'fluent-bit.conf');
    writeFileSync(join(dir, 'plugins.conf'), `[PLUGINS]\n    Path ${gjsonl()}\n`);
    writeFileSync(
      config,
      [
        '[SERVICE]',
        '    Flush        0.2',
        '    Grace        3',
        '    Plugins_File plugins.conf',
        '[INPUT]',
        '    Name  lib',
        '    Alias app',
        '    Tag   app.logs',
        '[INPUT]',
        '    Name  lib',
        '    Alias audit',
        '    Tag   audit.logs',
        '[OUTPUT]',
        '    Name  gjsonl',
        '    Match app.*',
        `    path  ${first}`,
        '[OUTPUT]',
        '    Name  gjsonl',
        '    Match audit.*',
        `    path  ${second}`,
        '',
      ].join('\n'),
    );
    for (const [input, path, tag] of [[undefined, first, 'app.logs'], ['audit', second, 'audit.logs']] as const) {
      const { transport, logger } = await transportLogger({ config, ...(input && { input }) });
      for (let i = 0; i < 1_000; i++) logger.info({ seq: i }, 'from the config file');
      await endAndClose(transport);
      const lines = readJsonLines(path).filter((line) => !('exit' in line));
      expect(lines).toHaveLength(1_000);
      expect(lines[0]).toMatchObject({ tag, record: { level: 30, seq: 0, msg: 'from the config file' } });
    }
  });

  it('refuses a config file without a lib input, or an input it does not have', async () => {
    const config = join(dir, 'no-lib.conf');
    writeFileSync(config, '[INPUT]\n    Name dummy\n[OUTPUT]\n    Name null\n    Match *\n');
    let run = await runApp({ options: { config } });
    expect(run.stdout).toContain(`boot failed: flbhost/pino: ${config} has no lib input for the transport to feed`);
    const withLib = join(dir, 'lib.conf');
    writeFileSync(withLib, '[INPUT]\n    Name lib\n    Alias app\n[OUTPUT]\n    Name null\n    Match *\n');
    run = await runApp({ options: { config: withLib, input: 'ap' } });
    expect(run.stdout).toContain(`boot failed: flbhost/pino: options.input 'ap' is not a lib input of ${withLib}; its lib inputs: app`);
  });

  it("with isolation 'process', a plugin that crashes is logged once and the application keeps running", async () => {
    const path = join(dir, 'isolated.jsonl');
    const countdown = join(dir, 'panic-countdown');
    writeFileSync(countdown, '1'); // the first flush panics, later ones deliver
    let alive = false;
    const run = await runApp(
      { options: { plugin: inject('goPlugins').out_gpanic!, isolation: 'process', properties: { path, panic_file: countdown }, flush: 0.1 }, lines: 2_000, flat: true, exit: 'keep' },
      60_000,
      (child) => {
        child.stdout!.on('data', (data: Buffer) => {
          if (!data.toString().includes('alive')) return;
          alive = true;
          // Long enough for the crash, the restart (0.25 s) and the redelivery.
          setTimeout(() => child.stdin!.end(), 3_000);
        });
      },
    );
    expect(alive).toBe(true);
    expect(run.stdout).toContain('still alive\n');
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    const crashes = run.logs.filter((line) => String(line.msg).includes('crashed'));
    expect(crashes, run.stderr).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ level: 50, name: 'flbhost/pino' });
    expect(String(crashes[0]!.msg)).toContain("output plugin 'gpanic'");
    // The chunk the plugin died on went to the restarted child: nothing lost.
    const seqs = new Set(readJsonLines(path).map((line) => (line.record as { seq: number }).seq));
    expect(seqs.size).toBe(2_000);
    expect(closingReport(run)).toMatchObject({ records: 2_000, undelivered: 0, dropped: 0 });
  });
});
