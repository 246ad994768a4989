/**
 * The event loop never waits for a plugin, in any phase: a plugin blocking
 * in Register, Init, Exit or an input callback keeps only its own thread
 * busy. event-loop.test.ts covers Flush.
 *
 * Four plugin calls block at once in each test: had the host run them on
 * the libuv pool (4 threads), the file read would wait behind them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlugin } from '../../src/index.js';
import { watchEventLoop } from '../helpers/event-loop-watch.js';
import { cPlugin } from '../helpers/paths.js';
import { pluginCopies } from '../helpers/plugin-copies.js';
import { take } from '../helpers/take-events.js';

const BLOCK_MS = 1500;
const CONCURRENT = 4;

/** What every phase must show: it really blocked, and nothing else waited. */
function expectLoopFree(watch: { elapsedMs: number; maxLoopDelayMs: number; readMs: number }, blockedMs = BLOCK_MS): void {
  expect(watch.elapsedMs).toBeGreaterThanOrEqual(blockedMs - 100); // the plugin did block...
  expect(watch.maxLoopDelayMs).toBeLessThan(200); // ...but timers kept firing on time
  expect(watch.readMs).toBeLessThan(500); // ...and fs did not queue behind it
}

afterEach(() => {
  delete process.env.FLBHOST_BLOCK_MS;
});

describe('a plugin blocking in any phase leaves the event loop and the libuv pool free', () => {
  it('Register', async () => {
    // Register has no instance, so no properties: the block comes from the environment.
    // Libraries load one at a time (the registry is locked while one loads),
    // so four loads take four blocks; had they been queued on the libuv pool,
    // the three waiting for the lock would hold the rest of it.
    const registerMs = 800;
    process.env.FLBHOST_BLOCK_MS = String(registerMs);
    const paths = pluginCopies(cPlugin('block_register'), CONCURRENT);
    const watch = await watchEventLoop(() => Promise.all(paths.map((path) => loadPlugin(path))));
    expect(watch.result.map((lib) => lib.name)).toEqual(new Array(CONCURRENT).fill('block'));
    expectLoopFree(watch, registerMs);
  });

  it('Init', async () => {
    // One library each: Init of one library runs under its lifecycle lock, one at a time.
    const libs = await Promise.all(pluginCopies(cPlugin('block_init'), CONCURRENT).map((path) => loadPlugin(path)));
    const watch = await watchEventLoop(() => Promise.all(libs.map((lib) => lib.createOutput({ properties: { block_ms: BLOCK_MS } }))));
    expectLoopFree(watch);
    await Promise.all(watch.result.map((output) => output.close()));
  });

  it('Exit', async () => {
    const libs = await Promise.all(pluginCopies(cPlugin('block_exit'), CONCURRENT).map((path) => loadPlugin(path)));
    const outputs = await Promise.all(libs.map((lib) => lib.createOutput({ properties: { block_ms: BLOCK_MS } })));
    expect(await Promise.all(outputs.map((output) => output.flush('t', [{ record: { n: 1 } }])))).toEqual(new Array(CONCURRENT).fill('ok'));
    const watch = await watchEventLoop(() => Promise.all(outputs.map((output) => output.close())));
    expectLoopFree(watch);
  });

  it('the input callback', async () => {
    // Callbacks take no lifecycle lock: instances of one library run theirs at once.
    // in_gen_ctx keeps per-instance state (Ctx callbacks) and sleeps sleep_ms in every callback.
    const lib = await loadPlugin(cPlugin('in_gen_ctx'));
    // An input's first callback starts as soon as it is initialised (quickly);
    // its event arrives when the callback returns.
    const watch = await watchEventLoop(() =>
      Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const input = await lib.createInput({ properties: { sleep_ms: BLOCK_MS, records: 1 } });
          const [event] = await take(input, 1);
          return { input, event };
        }),
      ),
    );
    expect(watch.result.map(({ event }) => event!.record)).toEqual(new Array(CONCURRENT).fill({ seq: 0, msg: 'generated' }));
    expectLoopFree(watch);
    await Promise.all(watch.result.map(({ input }) => input.close()));
  });
});
