/**
 * Watches the event loop and the libuv pool while some work runs: how late
 * a 10-ms timer ran (the longest gap between its ticks, up to the end of the
 * work, and perf_hooks.monitorEventLoopDelay's maximum) and how long one file
 * read took, started after the work began. A plugin call run on the JS
 * thread shows as a late timer; one run on the libuv pool (4 threads) shows
 * as a slow read once four such calls occupy the pool.
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

const TICK_MS = 10;

export async function watchEventLoop<T>(work: () => Promise<T>): Promise<LoopWatch<T>> {
  const histogram = monitorEventLoopDelay({ resolution: TICK_MS });
  histogram.enable();
  let lastTick = Date.now();
  let maxGap = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - lastTick - TICK_MS);
    lastTick = now;
  }, TICK_MS);
  const started = Date.now();
  let readMs = Number.NaN;
  const read = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const readStarted = Date.now();
    await readFile(`${repoRoot}/package.json`);
    readMs = Date.now() - readStarted;
  })();
  try {
    const result = await work();
    const ended = Date.now();
    // A loop blocked until the very end has not run its timers yet: count
    // the gap up to now, and let the histogram see its late timer.
    maxGap = Math.max(maxGap, ended - lastTick - TICK_MS);
    await new Promise((resolve) => setTimeout(resolve, 3 * TICK_MS));
    await read;
    return { result, elapsedMs: ended - started, maxLoopDelayMs: Math.max(maxGap, histogram.max / 1e6), readMs };
  } finally {
    clearInterval(ticker);
    histogram.disable();
  }
}
