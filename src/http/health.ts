/**
 * The health check (Health_Check, HC_Errors_Count, HC_Retry_Failure_Count,
 * HC_Period), with Fluent Bit's meaning:
 *
 * Once a second the totals of every output's errors and exhausted retries
 * are sampled; the last HC_Period samples are kept. The pipeline is
 * unhealthy while the newest totals exceed the oldest kept ones by MORE
 * than HC_Errors_Count errors, or by more than HC_Retry_Failure_Count
 * exhausted retries; before the first sample it is healthy. So a failure
 * makes it unhealthy within about a second, and it recovers once HC_Period
 * seconds have passed without failures enough to cross a limit.
 */
import type { Pipeline } from '../pipeline/pipeline.js';

export interface HealthLimits {
  errors: number;
  retryFailures: number;
  /** Seconds (samples kept). */
  period: number;
}

export interface HealthState {
  healthy: boolean;
  /** Within the period. */
  errors: number;
  retriesFailed: number;
  limits: HealthLimits;
}

interface Totals {
  errors: number;
  retriesFailed: number;
}

export class HealthTracker {
  private readonly samples: Totals[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly read: () => Totals,
    readonly limits: HealthLimits,
    private readonly intervalMs = 1000,
  ) {}

  static forPipeline(pipeline: Pipeline, limits: HealthLimits): HealthTracker {
    return new HealthTracker(() => {
      let errors = 0;
      let retriesFailed = 0;
      for (const output of Object.values(pipeline.metrics().outputs)) {
        errors += output.errors;
        retriesFailed += output.retriesFailed;
      }
      return { errors, retriesFailed };
    }, limits);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample (the timer calls it every second). */
  sample(): void {
    this.samples.push(this.read());
    while (this.samples.length > this.limits.period) this.samples.shift();
  }

  state(): HealthState {
    const oldest = this.samples[0];
    const newest = this.samples[this.samples.length - 1];
    if (!oldest || !newest) return { healthy: true, errors: 0, retriesFailed: 0, limits: this.limits };
    const errors = newest.errors - oldest.errors;
    const retriesFailed = newest.retriesFailed - oldest.retriesFailed;
    const healthy = errors <= this.limits.errors && retriesFailed <= this.limits.retryFailures;
    return { healthy, errors, retriesFailed, limits: this.limits };
  }
}
