/**
 * When an output retries a chunk, like Fluent Bit's scheduler: the n-th
 * retry waits a full-jitter delay in [base, min(cap, base·2^n)] seconds
 * (backoff.ts), Retry_Limit caps how many there are (-1 no limit, 0 none),
 * and at shutdown retries scheduled and waiting become due at once, so that
 * the Grace period is spent flushing, not sleeping; a chunk that asks for a
 * retry again is then retried once a second (as Fluent Bit's scheduler
 * ticks), not re-flushed as fast as the plugin answers.
 */
import { canRetry, retryDelaySeconds } from './backoff.js';

/**
 * Retries during the grace period: paced at Fluent Bit's one-second tick.
 * With no wait at all, an output answering FLB_RETRY at once was flushed
 * thousands of times a second until Grace ran out.
 */
export const SHUTDOWN_RETRY_SECONDS = 1;

export interface RetrySchedulerOptions<T> {
  /** scheduler.base and scheduler.cap, in seconds. */
  base: number;
  cap: number;
  /** Retry_Limit: -1 no limit, 0 no retries, N retries after the first attempt. */
  limit: number;
  /** A retry is due: its item goes back in the output's queue. */
  due(item: T): void;
  /** Random source in [0, 1) (tests pin the bounds with it). */
  random?: () => number;
}

export class RetryScheduler<T> {
  private readonly waiting = new Map<T, NodeJS.Timeout>();
  private shuttingDown = false;

  constructor(private readonly options: RetrySchedulerOptions<T>) {}

  /** Items waiting for their retry. */
  get size(): number {
    return this.waiting.size;
  }

  /** Whether another retry is allowed after `retriesSoFar`. */
  allows(retriesSoFar: number): boolean {
    return canRetry(this.options.limit, retriesSoFar);
  }

  /** The wait before the `retry`-th retry (from 1): SHUTDOWN_RETRY_SECONDS once shutting down. */
  delaySeconds(retry: number): number {
    if (this.shuttingDown) return SHUTDOWN_RETRY_SECONDS;
    return retryDelaySeconds(this.options.base, this.options.cap, retry, this.options.random);
  }

  /** Schedules `item`'s `retry`-th retry; returns its wait in seconds. */
  schedule(item: T, retry: number): number {
    const seconds = this.delaySeconds(retry);
    this.waiting.set(
      item,
      setTimeout(() => {
        if (this.waiting.delete(item)) this.options.due(item);
      }, seconds * 1000),
    );
    return seconds;
  }

  /**
   * Shutdown: those waiting are due now, and later retries are paced
   * (SHUTDOWN_RETRY_SECONDS). They are returned (in the order they were scheduled) rather than
   * handed to `due` one by one, so the caller can queue them all and then
   * dispatch once.
   */
  hurry(): T[] {
    this.shuttingDown = true;
    return this.cancelAll();
  }

  /** Takes the retry scheduled first, to drop it; undefined when none waits. */
  takeOldest(): T | undefined {
    for (const [item, timer] of this.waiting) {
      clearTimeout(timer);
      this.waiting.delete(item);
      return item;
    }
    return undefined;
  }

  /** Forgets every waiting retry (end of the grace period); returns their items. */
  cancelAll(): T[] {
    const items = [...this.waiting.keys()];
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    return items;
  }
}
