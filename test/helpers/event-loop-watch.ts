/**
 * Watches the event loop and the libuv pool while some work runs: how late
 * the loop ran (perf_hooks.monitorEventLoopDelay) and how long one file read
 * took, started after the work began. A plugin call run on the JS thread
 * shows as loop delay; one run on the libuv pool (4 threads) shows as a slow
 * read once four such calls occupy the pool.
 */
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { repoRoot } from './paths.js';

export interface LoopWatch<T> {
  result: T;
  /** Milliseconds from the start of the work to its end. */
  elapsedMs: number;
  /** The longest the event loop was late, in milliseconds. */
  maxLoopDelayMs: number;
  /** How long a read on the libuv pool took, started 100 ms into the work. */
  readMs: number;
}

export async function watchEventLoop<T>(work: () => Promise<T>): Promise<LoopWatch<T>> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = Date.now();
  const pending = work();
  let readMs = Number.NaN;
  const read = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const readStarted = Date.now();
    await readFile(`${repoRoot}/package.json`);
    readMs = Date.now() - readStarted;
  })();
  try {
    const result = await pending;
    const elapsedMs = Date.now() - started;
    await read;
    return { result, elapsedMs, maxLoopDelayMs: delay.max / 1e6, readMs };
  } finally {
    delay.disable();
  }
}
