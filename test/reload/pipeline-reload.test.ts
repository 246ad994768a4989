/**
 * Pipeline.reload() through the library API, with real plugins: the lib
 * handle an application holds keeps working across the switch, every record
 * is delivered once, a Go output is registered again in each generation, an
 * invalid configuration changes nothing, a configuration that fails to
 * start gives the previous one back, and with storage.path what the old
 * generation could not deliver within Grace reaches the new one.
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { ReloadError, stdinInput, type PipelineConfig } from '../../src/index.js';
import type { OutputPluginFactory } from '../../src/engine/plugin-api.js';
import { pipelineHarness, sleep } from '../helpers/pipeline-harness.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { recordingOutput } from '../helpers/test-output.js';
import { gatedOutput } from '../helpers/gated-output.js';
import { waitFor } from '../helpers/wait.js';

const goPlugins = inject('goPlugins');
const pipeline = pipelineHarness();
const dir = tempDir('flbhost-reload-');

const seqs = (events: Array<{ record: unknown }>): number[] => events.map((event) => (event.record as { seq: number }).seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Pipeline.reload', () => {
  it('switches outputs; the lib handle stays valid and every record pushed before, during and after the switch is delivered once', async () => {
    // The old output's flushes wait for the test: the switch stays open while the test pushes into it.
    const a = gatedOutput('a');
    const b = recordingOutput('b');
    const config = (output: string): PipelineConfig => ({ register: [a.factory, b.factory], inputs: [{ name: 'lib', tag: 'app' }], outputs: [{ name: output, match: '*' }] });
    const p = pipeline(config('a'));
    await p.start();
    const lib = p.input('lib.0');
    for (let seq = 1; seq <= 100; seq++) lib.push({ seq });
    await waitFor(() => a.pending > 0, 5000, 'a flush of the old output');
    const reloading = p.reload(config('b'));
    expect(p.isReloading).toBe(true);
    // The old generation is draining (its output holds the flush): the handle keeps what is pushed now.
    await sleep(50);
    expect(lib.push({ seq: 101 })).toBe(false);
    const written = lib.write({ seq: 102 });
    let writeSettled = false;
    void written.then(() => (writeSettled = true));
    await sleep(50);
    expect(writeSettled).toBe(false);
    a.open();
    const report = await reloading;
    await written;
    expect(report.reloads).toBe(1);
    expect(report.previous.complete).toBe(true);
    expect(p.input('lib.0')).toBe(lib);
    for (let seq = 103; seq <= 200; seq++) expect(lib.push({ seq })).toBe(true);
    await waitFor(() => b.delivered().length >= 100, 5000, 'the records after the switch');
    await sleep(100);
    expect(seqs(a.delivered)).toEqual(range(1, 100));
    expect(seqs(b.delivered())).toEqual(range(101, 200));
    expect(p.reloadCount).toBe(1);
    expect(Object.keys(p.metrics().outputs)).toEqual(['b.0']);
  });

  it('registers a Go output again in each generation (in process and isolated) and writes where each configuration says', async () => {
    const files = [join(dir, 'go-1.jsonl'), join(dir, 'go-2.jsonl'), join(dir, 'go-3.jsonl')];
    const config = (path: string, isolation: 'none' | 'process'): PipelineConfig => ({
      plugins: [goPlugins.out_gjsonl!],
      inputs: [{ name: 'lib', tag: 'go' }],
      outputs: [{ name: 'gjsonl', match: '*', properties: { path, isolation } }],
    });
    const p = pipeline(config(files[0]!, 'none'));
    await p.start();
    const lib = p.input('lib.0');
    for (let seq = 1; seq <= 10; seq++) await lib.write({ seq });
    await p.reload(config(files[1]!, 'none'));
    for (let seq = 11; seq <= 20; seq++) await lib.write({ seq });
    await p.reload(config(files[2]!, 'process'));
    for (let seq = 21; seq <= 30; seq++) await lib.write({ seq });
    await p.stop();
    const written = files.map((file) => readJsonLines(file).filter((line) => 'record' in line).map((line) => (line.record as { seq: number }).seq));
    expect(written).toEqual([range(1, 10), range(11, 20), range(21, 30)]);
    // Each generation's instance exited (ExitCtx writes its line).
    for (const file of files) expect(readJsonLines(file).some((line) => line.exit === true)).toBe(true);
  });

  it.each([
    ['a bad service value', { service: { flush: 'soon' } }, /flush: 'soon' is not a number of seconds/],
    ['an unknown output plugin', { outputs: [{ name: 'nosuch', match: '*' }] }, /nosuch/],
    ['a .so that does not exist', { plugins: ['/nonexistent/out_x.so'] }, /out_x\.so/],
  ])('refuses %s before stopping anything: the running configuration goes on', async (_what, change, message) => {
    const a = recordingOutput('a');
    const base: PipelineConfig = { register: [a.factory], inputs: [{ name: 'lib', tag: 'app' }], outputs: [{ name: 'a', match: '*' }] };
    const p = pipeline(base);
    await p.start();
    p.input('lib.0').push({ seq: 1 });
    const error = await p.reload({ ...base, ...change } as PipelineConfig).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReloadError);
    expect((error as ReloadError).failure).toBe('refused');
    expect((error as ReloadError).running).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/still running the previous configuration/);
    p.input('lib.0').push({ seq: 2 });
    await waitFor(() => a.delivered().length === 2, 5000, 'both records');
    expect(p.reloadCount).toBe(0);
    expect(a.exited).toEqual([]);
  });

  it('starts the previous configuration again when the new one fails in Init; the handle works on', async () => {
    const a = recordingOutput('a');
    const failing: OutputPluginFactory = {
      kind: 'output',
      name: 'failing',
      description: 'an output whose Init fails',
      create: () => ({ name: 'failing', init: () => Promise.reject(new Error('cannot reach the backend')), flush: () => 'ok' }),
    };
    const base: PipelineConfig = { register: [a.factory, failing], inputs: [{ name: 'lib', tag: 'app' }], outputs: [{ name: 'a', match: '*' }] };
    const p = pipeline(base);
    await p.start();
    const lib = p.input('lib.0');
    lib.push({ seq: 1 });
    const error = (await p.reload({ ...base, outputs: [{ name: 'failing', match: '*' }] }).catch((e: unknown) => e)) as ReloadError;
    expect(error).toBeInstanceOf(ReloadError);
    expect(error.failure).toBe('rolled back');
    expect(error.running).toBe(true);
    expect(error.message).toMatch(/cannot reach the backend/);
    await lib.write({ seq: 2 });
    await waitFor(() => a.delivered().length === 2, 5000, 'both records, one per generation of a');
    expect(seqs(a.delivered())).toEqual([1, 2]);
    expect(p.reloadCount).toBe(0);
  });

  it('closes the handle of a lib input the new configuration drops: a write waiting on it rejects, pushes throw', async () => {
    const a = gatedOutput('a');
    const both: PipelineConfig = {
      register: [a.factory],
      inputs: [{ name: 'lib', tag: 'app' }, { name: 'lib', properties: { Tag: 'audit', Alias: 'audit' } }],
      outputs: [{ name: 'a', match: '*' }],
    };
    const p = pipeline(both);
    await p.start();
    const audit = p.input('audit');
    audit.push({ seq: 0 });
    await waitFor(() => a.pending > 0, 5000, 'a flush of the old output');
    const reloading = p.reload({ ...both, inputs: [{ name: 'lib', tag: 'app' }] });
    await sleep(50);
    const waiting = audit.write({ seq: 1 });
    waiting.catch(() => undefined);
    a.open();
    await reloading;
    await expect(waiting).rejects.toThrow(/lib input 'audit' is not in the reloaded configuration; the record was not taken/);
    expect(() => audit.push({ seq: 2 })).toThrow(/not in the reloaded configuration/);
    expect(() => p.input('audit')).toThrow(/no lib input named 'audit'; lib inputs: lib\.0/);
  });

  it("stdin across a reload: the line the old input had half read is completed by the new one, and stdin's end ends the pipeline", async () => {
    const a = gatedOutput('a');
    const b = recordingOutput('b');
    const stream = new PassThrough();
    const config = (output: string): PipelineConfig => ({ register: [stdinInput({ stream }), a.factory, b.factory], inputs: [{ name: 'stdin', tag: 'app' }], outputs: [{ name: output, match: '*' }] });
    const p = pipeline(config('a'));
    await p.start();
    let ended = false;
    p.on('inputsEnded', () => (ended = true));
    stream.write('{"seq":1}\n{"seq":2}\n{"se');
    await waitFor(() => a.pending > 0, 5000, 'a flush of the old output');
    const reloading = p.reload(config('b'));
    await sleep(50);
    // The rest of the line the old stdin input had started, then the end, during the switch.
    stream.end('q":3}\n{"seq":4}\n');
    await sleep(50);
    a.open();
    await reloading;
    await waitFor(() => ended, 5000, "'inputsEnded' after the reload");
    await waitFor(() => b.delivered().length === 2, 5000, 'the records after the switch');
    expect(seqs(a.delivered)).toEqual([1, 2]);
    expect(seqs(b.delivered())).toEqual([3, 4]);
  });

  it('refuses a second reload while one runs, and a reload once stopped', async () => {
    const a = recordingOutput('a');
    const base: PipelineConfig = { register: [a.factory], inputs: [{ name: 'lib', tag: 'app' }], outputs: [{ name: 'a', match: '*' }] };
    const p = pipeline(base);
    await p.start();
    const first = p.reload(base);
    const second = await p.reload(base).catch((e: unknown) => e);
    expect((second as ReloadError).failure).toBe('in progress');
    await first;
    await p.stop();
    const late = await p.reload(base).catch((e: unknown) => e);
    expect((late as ReloadError).failure).toBe('not running');
  });

  it('with storage.path, what the old generation could not deliver within Grace is kept on disk and delivered by the new one', async () => {
    const stuck = recordingOutput('stuck');
    stuck.answer = () => 'retry';
    const b = recordingOutput('b');
    const storage = tempDir('flbhost-reload-storage-');
    const config = (output: string): PipelineConfig => ({
      service: { storagePath: storage, grace: 1 },
      register: [stuck.factory, b.factory],
      inputs: [{ name: 'lib', tag: 'app', properties: { 'storage.type': 'filesystem' } }],
      outputs: [{ name: output, match: '*', retryLimit: 'no_limits' }],
    });
    const p = pipeline(config('stuck'));
    await p.start();
    const lib = p.input('lib.0');
    for (let seq = 1; seq <= 50; seq++) await lib.write({ seq });
    await waitFor(() => stuck.calls.length > 0, 5000, 'a first (failing) flush');
    const report = await p.reload(config('b'));
    expect(report.previous.complete).toBe(false);
    expect(report.previous.keptOnDisk?.records).toBe(50);
    await waitFor(() => b.delivered().length === 50, 10_000, 'the kept records in the new generation');
    expect(seqs(b.delivered()).sort((x, y) => x - y)).toEqual(range(1, 50));
    await sleep(100);
    expect(p.metrics().storage?.chunks.total).toBe(0);
  });
});
