/**
 * When a chunk is retried: Fluent Bit's full-jitter backoff. The n-th retry
 * (n from 1) waits a uniformly random time in [base, min(cap, base * 2^n)]
 * seconds (scheduler.base 5, scheduler.cap 2000 by default).
 *
 * Fluent Bit adds one second to every wait because its scheduler ticks in
 * whole seconds; flbhost's timers have millisecond resolution and don't.
 */
export function retryDelaySeconds(base: number, cap: number, retry: number, random: () => number = Math.random): number {
  const upper = Math.max(base, Math.min(cap, base * 2 ** retry));
  return base + random() * (upper - base);
}

/** Whether another retry is allowed after `retriesSoFar` (limit -1 = no limit). */
export function canRetry(retryLimit: number, retriesSoFar: number): boolean {
  return retryLimit < 0 || retriesSoFar < retryLimit;
}
