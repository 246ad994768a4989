import { describe, expect, it } from 'vitest';
import { RetryScheduler, SHUTDOWN_RETRY_SECONDS } from '../../src/engine/retry-scheduler.js';
import { waitFor } from '../helpers/wait.js';

function scheduler(options: { base?: number; cap?: number; limit?: number; random?: () => number } = {}) {
  const due: string[] = [];
  const retries = new RetryScheduler<string>({ base: 5, cap: 2000, limit: 1, ...options, due: (item) => void due.push(item) });
  return { retries, due };
}

describe('retry scheduler: when', () => {
  it('waits within [base, min(cap, base * 2^n)] for the n-th retry, at both ends of the jitter', () => {
    const lowest = scheduler({ random: () => 0 }).retries;
    const highest = scheduler({ random: () => 1 - Number.EPSILON }).retries;
    for (let n = 1; n <= 12; n++) {
      const upper = Math.min(2000, 5 * 2 ** n);
      expect(lowest.delaySeconds(n)).toBe(5);
      expect(highest.delaySeconds(n)).toBeLessThanOrEqual(upper);
      expect(highest.delaySeconds(n)).toBeGreaterThan(upper - 1e-9);
    }
    // The cap binds from the 9th retry on (5 * 2^9 = 2560 > 2000).
    expect(highest.delaySeconds(9)).toBeLessThanOrEqual(2000);
    const random = scheduler({ base: 2, cap: 30 }).retries;
    for (let i = 0; i < 200; i++) {
      const seconds = random.delaySeconds(3);
      expect(seconds).toBeGreaterThanOrEqual(2);
      expect(seconds).toBeLessThanOrEqual(16);
    }
  });

  it('hands an item back when its wait is over (a real timer)', async () => {
    const { retries, due } = scheduler({ base: 0.01, cap: 0.02 });
    const seconds = retries.schedule('a', 1);
    expect(seconds).toBeGreaterThanOrEqual(0.01);
    expect(seconds).toBeLessThanOrEqual(0.02);
    expect(retries.size).toBe(1);
    await waitFor(() => due.length === 1, 5000, 'the retry to be due');
    expect(due).toEqual(['a']);
    expect(retries.size).toBe(0);
  });
});

describe('retry scheduler: Retry_Limit', () => {
  it('allows N retries after the first attempt; -1 without limit; 0 none', () => {
    const three = scheduler({ limit: 3 }).retries;
    expect([0, 1, 2, 3].map((n) => three.allows(n))).toEqual([true, true, true, false]);
    expect(scheduler({ limit: 0 }).retries.allows(0)).toBe(false);
    expect(scheduler({ limit: -1 }).retries.allows(1_000_000)).toBe(true);
  });
});

describe('retry scheduler: shutdown', () => {
  it('makes waiting retries due at once, in order, and paces later ones at one a second', async () => {
    const { retries, due } = scheduler({ base: 60, cap: 120 });
    retries.schedule('first', 1);
    retries.schedule('second', 2);
    expect(retries.hurry()).toEqual(['first', 'second']);
    expect(retries.size).toBe(0);
    expect(retries.delaySeconds(5)).toBe(SHUTDOWN_RETRY_SECONDS);
    expect(retries.schedule('late', 3)).toBe(SHUTDOWN_RETRY_SECONDS);
    await waitFor(() => due.length === 1, 5000, 'the paced retry');
    expect(due).toEqual(['late']); // the hurried ones were handed back, not fired again
  });

  it('forgets waiting retries at the end of the grace period: their timers never fire', async () => {
    const { retries, due } = scheduler({ base: 0.01, cap: 0.01 });
    retries.schedule('x', 1);
    expect(retries.cancelAll()).toEqual(['x']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(due).toEqual([]);
  });

  it('leaves no timer behind to keep the process alive (a backoff can be 2000 s)', () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const { retries } = scheduler({ base: 60, cap: 2000 });
    retries.schedule('a', 1);
    retries.schedule('b', 5);
    expect(timers()).toBe(before + 2);
    retries.hurry();
    expect(timers()).toBe(before);
    retries.schedule('c', 1); // immediate now, but still a timer until it fires
    retries.cancelAll();
    expect(timers()).toBe(before);
  });
});
