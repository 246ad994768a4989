import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, inject, it } from 'vitest';
import { cPlugin, repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const dir = tempDir();
const script = (name: string) => join(repoRoot, 'test', 'fixtures', 'js', name);

/** Resolves with the exit code; fails the test if the worker outlives the deadline. */
function exitOf(worker: Worker, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not exit within ${deadlineMs} ms`)), deadlineMs);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('the addon in worker_threads (as under a pino transport)', () => {
  it('loads, flushes and closes in a worker, which then exits cleanly', async () => {
    const path = join(dir, 'worker.jsonl');
    const worker = new Worker(script('worker-flush.mjs'), { workerData: { plugin: cPlugin('out_jsonl'), path } });
    const message = new Promise((resolve) => worker.once('message', resolve));
    expect(await exitOf(worker, 10_000)).toBe(0);
    expect(await message).toMatchObject({ result: 'ok' });
    expect(readJsonLines(path)).toEqual([{ tag: 'from.worker', sec: 1700000000, nsec: 1, record: { hello: 'from a worker' }, label: 'worker' }]);
  });

  it('exits cleanly when the worker ends with its instance still open', async () => {
    const path = join(dir, 'open.jsonl');
    const worker = new Worker(script('worker-flush.mjs'), { workerData: { plugin: cPlugin('out_jsonl'), path, leaveOpen: true } });
    expect(await exitOf(worker, 10_000)).toBe(0);
    expect(readJsonLines(path)).toHaveLength(1);
  });

  it('terminates at once while a flush is inside the plugin (the plugin reads its own copy)', async () => {
    const worker = new Worker(script('worker-busy.mjs'), { workerData: { plugin: cPlugin('out_sleep'), sleepMs: 3000 } });
    await new Promise((resolve) => worker.once('message', resolve));
    const started = Date.now();
    const exit = exitOf(worker, 10_000);
    await worker.terminate();
    await exit;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('survives a flush that returns after the only environment that loaded the addon has ended', () => {
    // In a child process: before the fix this was a SIGSEGV, and here it
    // would take the test runner down with it.
    const child = spawnSync(process.execPath, [script('terminate-then-wait.mjs'), cPlugin('out_sleep'), script('worker-busy.mjs')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect({ status: child.status, signal: child.signal, stdout: child.stdout }).toEqual({ status: 0, signal: null, stdout: 'survived\n' });
  });

  it('runs a Go plugin in a worker while the main thread uses the same .so', async () => {
    const { loadPlugin } = await import('../../src/index.js');
    const goPlugin = inject('goPlugins').out_gjsonl!;
    const mainOut = await (await loadPlugin(goPlugin)).createOutput({ properties: { path: join(dir, 'go-main.jsonl'), id: 'main' } });
    const path = join(dir, 'go-worker.jsonl');
    const worker = new Worker(script('worker-flush.mjs'), { workerData: { plugin: goPlugin, path } });
    expect(await exitOf(worker, 15_000)).toBe(0);
    expect(await mainOut.flush('from.main', [{ record: { n: 1 } }])).toBe('ok');
    await mainOut.close();
    expect(readJsonLines(path)[0]).toMatchObject({ tag: 'from.worker', sec: 1700000000, nsec: 1, record: { hello: 'from a worker' } });
    expect(readJsonLines(join(dir, 'go-main.jsonl'))[0]).toMatchObject({ id: 'main', tag: 'from.main' });
  });

  it('shares one loaded library between the main thread and workers', async () => {
    const { loadPlugin } = await import('../../src/index.js');
    const main = await loadPlugin(cPlugin('out_jsonl'));
    const path = join(dir, 'shared.jsonl');
    const worker = new Worker(script('worker-flush.mjs'), { workerData: { plugin: cPlugin('out_jsonl'), path } });
    const message = new Promise<{ name: string }>((resolve) => worker.once('message', resolve));
    expect(await exitOf(worker, 10_000)).toBe(0);
    const out = await main.createOutput({ properties: { path } });
    // Instance numbers are per plugin for the whole process, across threads.
    expect(out.name).not.toBe((await message).name);
    await out.close();
  });
});
