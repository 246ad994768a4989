/**
 * Isolation with real plugins that really crash: a C output that segfaults,
 * a fluent-bit-go output that panics, a C output that hangs, a C input that
 * segfaults. Each runs isolated beside a healthy output; flbhost (this test
 * process) stays up, every record reaches every output (counted as distinct
 * records: a crash may deliver one twice, never lose one), and the log
 * names the plugin, the instance and the cause.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { captureLogger, type CapturedLine } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { pipelineHarness } from '../helpers/pipeline-harness.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();
const goPlugins = inject('goPlugins');
const dir = tempDir();
let files = 0;

/** A countdown file for the fault-injecting fixtures: the next `count` takes fault. */
function countdown(count: number): string {
  const path = join(dir, `countdown-${files++}`);
  writeFileSync(path, `${count}\n`);
  return path;
}

function outFile(name: string): string {
  return join(dir, `${name}-${files++}.jsonl`);
}

/** The distinct values of record.n in a JSON-lines output file. */
function distinctN(path: string): Set<number> {
  return new Set(readJsonLines(path).map((line) => (line.record as { n: number }).n));
}

function range(count: number): Set<number> {
  return new Set(Array.from({ length: count }, (_, i) => i));
}

/** Pushes `count` records in batches, letting the pipeline flush between them, so that several chunks are in play. */
async function pushNumbered(push: (record: Record<string, unknown>) => boolean, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    push({ n });
    if (n % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 60));
  }
}

function crashLines(lines: CapturedLine[]): CapturedLine[] {
  return lines.filter((line) => line.level === 50 && /crashed|was killed|given up/.test(line.msg));
}

describe('isolation: an output that crashes', () => {
  it('a C output that segfaults twice: flbhost stays up, both outputs get every record, the log names plugin, instance and signal', async () => {
    const { logger, lines } = captureLogger();
    const faulty = outFile('faulty');
    const healthy = outFile('healthy');
    const p = pipeline({
      logger,
      plugins: [cPlugin('out_faulty'), cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [
        { name: 'faulty', match: '*', isolation: 'process', properties: { path: faulty, crash_file: countdown(2) } },
        { name: 'jsonl', match: '*', properties: { path: healthy } },
      ],
    });
    await p.start();
    await pushNumbered((record) => p.input('lib.0').push(record), 200);
    const report = await p.stop();

    expect(report.complete).toBe(true);
    expect(distinctN(faulty)).toEqual(range(200));
    expect(distinctN(healthy)).toEqual(range(200));
    expect(p.metrics().outputs['faulty.0']).toMatchObject({ crashes: 2, restarts: 2, droppedRecords: 0 });
    const crashes = crashLines(lines);
    expect(crashes).toHaveLength(2);
    expect(crashes[0]!.msg).toMatch(/output plugin 'faulty' \(instance faulty\.0, pid \d+\) crashed \(killed by SIGSEGV\)/);
    expect(crashes[0]!.msg).toContain('faulty: crashing on purpose');
    expect(crashes[0]!).toMatchObject({ signal: 'SIGSEGV', instance: 'faulty.0' });
  });

  it('a fluent-bit-go output that panics: the panic message and the top of its trace are in the log, nothing is lost', async () => {
    const { logger, lines } = captureLogger();
    const panicky = outFile('gpanic');
    const healthy = outFile('healthy');
    const p = pipeline({
      logger,
      plugins: [goPlugins.out_gpanic!, cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [
        { name: 'gpanic', match: '*', isolation: 'process', properties: { path: panicky, panic_file: countdown(1) } },
        { name: 'jsonl', match: '*', properties: { path: healthy } },
      ],
    });
    await p.start();
    await pushNumbered((record) => p.input('lib.0').push(record), 100);
    const report = await p.stop();

    expect(report.complete).toBe(true);
    expect(distinctN(panicky)).toEqual(range(100));
    expect(distinctN(healthy)).toEqual(range(100));
    expect(p.metrics().outputs['gpanic.0']).toMatchObject({ crashes: 1, restarts: 1 });
    const [crash] = crashLines(lines);
    expect(crash!.msg).toMatch(/output plugin 'gpanic' \(instance gpanic\.0, pid \d+\) crashed/);
    expect(crash!.msg).toContain('panic: gpanic: flush panics on purpose');
    expect(crash!.msg).toMatch(/goroutine \d+ \[running/);
  });

  it('gives an output up after five failures within a minute: its records are counted as dropped with the reason, the healthy output gets all', async () => {
    const { logger, lines } = captureLogger();
    const healthy = outFile('healthy');
    const p = pipeline({
      logger,
      plugins: [cPlugin('out_faulty'), cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [
        { name: 'faulty', match: '*', isolation: 'process', properties: { path: outFile('faulty'), crash_file: countdown(1000) } },
        { name: 'jsonl', match: '*', properties: { path: healthy } },
      ],
    });
    await p.start();
    for (let n = 0; n < 10; n++) p.input('lib.0').push({ n });
    await waitFor(() => p.metrics().outputs['faulty.0']!.droppedRecords === 10, 30_000, 'the instance to be given up');
    const report = await p.stop();

    expect(distinctN(healthy)).toEqual(range(10));
    expect(p.metrics().outputs['faulty.0']).toMatchObject({ crashes: 5, restarts: 4, records: 0, droppedRecords: 10 });
    expect(report.undelivered).toEqual({});
    expect(lines.some((line) => line.level === 50 && /5 failures within 60 s, the instance is given up/.test(line.msg))).toBe(true);
    expect(lines.some((line) => /flush failed: .*given up.*the chunk is dropped/s.test(line.msg))).toBe(true);
  }, 60_000);
});

describe('isolation: an output that hangs', () => {
  it('kills a child whose flush runs past Flush_Timeout and retries the chunk in a new one', async () => {
    const { logger, lines } = captureLogger();
    const faulty = outFile('faulty');
    const p = pipeline({
      logger,
      plugins: [cPlugin('out_faulty'), cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [
        { name: 'faulty', match: '*', isolation: 'process', flushTimeout: 1, properties: { path: faulty, hang_file: countdown(1) } },
        { name: 'jsonl', match: '*', properties: { path: outFile('healthy') } },
      ],
    });
    await p.start();
    await pushNumbered((record) => p.input('lib.0').push(record), 60);
    const report = await p.stop();

    expect(report.complete).toBe(true);
    expect(distinctN(faulty)).toEqual(range(60));
    expect(p.metrics().outputs['faulty.0']).toMatchObject({ crashes: 0, flushTimeouts: 1, restarts: 1 });
    const [killed] = crashLines(lines);
    expect(killed!.msg).toMatch(/was killed \(killed by SIGKILL: a flush \(tag 'app'\) did not return within Flush_Timeout 1 s\)/);
  });

  it('kills an isolated output whose exit does not finish within Grace, and names it', async () => {
    const p = pipeline({
      service: { grace: 1 },
      plugins: [cPlugin('out_faulty')],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [{ name: 'faulty', match: '*', isolation: 'process', properties: { path: outFile('faulty'), hang_file: countdown(1) } }],
    });
    await p.start();
    p.input('lib.0').push({ n: 1 });
    await waitFor(() => p.metrics().outputs['faulty.0']!.inFlight === 1, 5000, 'the hanging flush');
    const started = Date.now();
    const report = await p.stop();
    expect(report.exitTimedOut).toEqual(['faulty.0']);
    expect(report.undelivered['faulty.0']).toMatchObject({ records: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('isolation: an input that crashes', () => {
  it('a C input that segfaults is restarted; every record it generated reaches the output', async () => {
    const { logger, lines } = captureLogger();
    const healthy = outFile('healthy');
    const p = pipeline({
      logger,
      plugins: [cPlugin('in_gen_faulty'), cPlugin('out_jsonl')],
      inputs: [{ name: 'gen', tag: 'gen', isolation: 'process', interval: 20, properties: { records: 5, total: 50, crash_file: countdown(1) } }],
      outputs: [{ name: 'jsonl', match: '*', properties: { path: healthy } }],
    });
    await p.start();
    const seqs = () => new Set(readJsonLines(healthy).map((line) => (line.record as { seq: number }).seq));
    await waitFor(() => seqs().size === 50, 20_000, 'all 50 generated records');
    await p.stop();

    expect(seqs()).toEqual(range(50));
    expect(p.metrics().inputs['gen.0']).toMatchObject({ crashes: 1, restarts: 1 });
    const [crash] = crashLines(lines);
    expect(crash!.msg).toMatch(/input plugin 'gen' \(instance gen\.0, pid \d+\) crashed \(killed by SIGSEGV\)/);
  });
});

describe('isolation: a child that misbehaves', () => {
  it('a malformed frame on the event stream kills that child, not flbhost; its flushes go to the next one', async () => {
    const { logger, lines } = captureLogger();
    const faulty = outFile('faulty');
    const p = pipeline({
      logger,
      plugins: [cPlugin('out_faulty')],
      inputs: [{ name: 'lib', tag: 'app' }],
      outputs: [{ name: 'faulty', match: '*', isolation: 'process', properties: { path: faulty, scribble_file: countdown(1) } }],
    });
    await p.start();
    await pushNumbered((record) => p.input('lib.0').push(record), 60);
    const report = await p.stop();

    expect(report.complete).toBe(true);
    expect(distinctN(faulty)).toEqual(range(60));
    expect(p.metrics().outputs['faulty.0']).toMatchObject({ restarts: 1 });
    const [killed] = crashLines(lines);
    expect(killed!.msg).toMatch(/was killed \(killed by SIGKILL: its event stream was broken: a malformed frame from the plugin host/);
  });

  it('notices a crash at once even when the plugin started a process that inherited its descriptors', async () => {
    const { logger } = captureLogger();
    const faulty = outFile('faulty');
    const p = pipeline({
      logger,
      plugins: [cPlugin('out_faulty')],
      inputs: [{ name: 'lib', tag: 'app' }],
      // The sleep outlives the crash by far: a host waiting for every descriptor to close would wait for it.
      outputs: [{ name: 'faulty', match: '*', isolation: 'process', properties: { path: faulty, crash_file: countdown(1), spawn_sleep: 60 } }],
    });
    await p.start();
    const started = Date.now();
    p.input('lib.0').push({ n: 0 });
    await waitFor(() => p.metrics().outputs['faulty.0']!.restarts === 1 && distinctN(faulty).size === 1, 20_000, 'the restart and the delivery');
    expect(Date.now() - started).toBeLessThan(15_000);
    await p.stop();
  });
});

describe('isolation: terminate()', () => {
  it('settles every flush of a child killed at the end of the grace period, so nothing keeps waiting', async () => {
    const { loadPlugin, FlushCancelledError } = await import('../../src/index.js');
    const lib = await loadPlugin(cPlugin('out_faulty'), { logger: captureLogger().logger, isolation: 'process' });
    const out = await lib.createOutput({ properties: { path: outFile('terminated'), hang_file: countdown(1) }, flushTimeout: 3600 });
    const hanging = out.flush('t', [{ record: { n: 1 } }]);
    const queued = out.flush('t', [{ record: { n: 2 } }]);
    const closing = out.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    out.terminate();
    await expect(hanging).rejects.toBeInstanceOf(FlushCancelledError);
    await expect(queued).rejects.toBeInstanceOf(FlushCancelledError);
    await closing;
  });
});
