/**
 * When an output retries a chunk, like Fluent Bit's scheduler: the n-th
 * retry waits a full-jitter delay in [base, min(cap, base·2^n)] seconds
 * (backoff.ts), Retry_Limit caps how many there are (-1 no limit, 0 none),
 * and at shutdown nothing waits any more: retries scheduled and waiting
 * become due at once, so that the Grace period is spent flushing, not
 * sleeping.
 */
import { canRetry, retryDelaySeconds } from './backoff.js';

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
  private immediate = false;

  constructor(private readonly options: RetrySchedulerOptions<T>) {}

  /** Items waiting for their retry. */
  get size(): number {
    return this.waiting.size;
  }

  /** Whether another retry is allowed after `retriesSoFar`. */
  allows(retriesSoFar: number): boolean {
    return canRetry(this.options.limit, retriesSoFar);
  }

  /** The wait before the `retry`-th retry (from 1): 0 once shutting down. */
  delaySeconds(retry: number): number {
    if (this.immediate) return 0;
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
   * Shutdown: from now on retries are immediate, and those waiting are due
   * now. They are returned (in the order they were scheduled) rather than
   * handed to `due` one by one, so the caller can queue them all and then
   * dispatch once.
   */
  hurry(): T[] {
    this.immediate = true;
    return this.cancelAll();
  }

  /** Forgets every waiting retry (end of the grace period); returns their items. */
  cancelAll(): T[] {
    const items = [...this.waiting.keys()];
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    return items;
  }
}
