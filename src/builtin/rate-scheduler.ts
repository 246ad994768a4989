/**
 * Calls `onDue(count)` with how many ticks of a fixed rate have come due,
 * counted from elapsed monotonic time rather than from timer firings.
 *
 * Node timers have millisecond granularity and fire late under load, so one
 * timer per event cannot reach 100000 events/s; instead the scheduler wakes
 * at most every `minTickMs` and reports everything that became due since,
 * and for slow rates it sleeps until the next tick is due. The timer is kept
 * ref'd: a running input keeps the process alive, like a server.
 */
export class RateScheduler {
  private readonly periodMs: number;
  /** More than this many ticks behind (the event loop was blocked) is not caught up. */
  private readonly maxBurst: number;
  private timer: NodeJS.Timeout | undefined;
  private active = false;
  private originMs = 0;
  private reported = 0;

  constructor(
    private readonly perSecond: number,
    private readonly onDue: (count: number) => void,
    private readonly minTickMs = 10,
  ) {
    this.periodMs = 1000 / perSecond;
    this.maxBurst = Math.max(1, Math.ceil(perSecond));
  }

  get running(): boolean {
    return this.active;
  }

  /** Starts counting from now; ticks missed while stopped are not made up. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.rebase(performance.now());
    this.schedule();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rebase(now: number): void {
    this.originMs = now;
    this.reported = 0;
  }

  private schedule(): void {
    const now = performance.now();
    const nextDueAt = this.originMs + (this.reported + 1) * this.periodMs;
    const wait = this.periodMs < this.minTickMs ? this.minTickMs : Math.max(1, nextDueAt - now);
    this.timer = setTimeout(this.tick, wait);
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = performance.now();
    // The small epsilon keeps 0.1 + 0.2-style rounding from losing a tick.
    let due = Math.floor(((now - this.originMs) * this.perSecond) / 1000 + 1e-9) - this.reported;
    if (due > this.maxBurst) {
      due = this.maxBurst;
      this.rebase(now);
    } else {
      this.reported += due;
    }
    if (due > 0) this.onDue(due);
    // onDue may have stopped the scheduler (samples reached, paused, exited),
    // or stopped and restarted it, which already scheduled the next tick.
    if (this.active && this.timer === undefined) this.schedule();
  };
}
