/**
 * An output instance in a child process of its own (NativeOutput, as the
 * addon's). Flushes wait here and go to the child a window at a time (see
 * AHEAD_FLUSHES): enough queued in the child that a worker finishing a flush
 * finds the next one without a round trip to flbhost, few enough that a
 * crash hands back little. Those flushes are sent again to the next child:
 * a chunk a plugin was working on when it died is delivered at least once,
 * and the plugin may see it twice; one it had not started is sent once.
 *
 * Flush_Timeout: a flush running longer is taken for a hang; the child is
 * killed and the chunk goes to the next one, like a crash's.
 */
import type { NativeOutput } from '../native.js';
import { FRAME } from './protocol.js';
import { HostExitedError } from './plugin-host-process.js';
import { SupervisedInstance, type IsolatedInstanceSpec } from './supervised-instance.js';

/**
 * Flushes in the child at once beyond its workers, and the bytes they may
 * hold (at least one flush per worker plus one goes regardless). With only
 * one spare, one-record flushes waited for a round trip each: 60 µs per
 * flush against 9 in process (bench/isolation-bench.mjs, `channel`).
 */
const AHEAD_FLUSHES = 16;
const AHEAD_BYTES = 8 * 1024 * 1024;

interface FlushJob {
  tag: string;
  pieces: Uint8Array[];
  bytes: number;
  resolve(code: number | null): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

export class IsolatedOutput extends SupervisedInstance implements NativeOutput {
  private readonly waiting: FlushJob[] = [];
  /** In the child now, oldest first. */
  private readonly sent: FlushJob[] = [];
  private sentBytes = 0;
  private readonly workers: number;
  private drainWaiters: Array<() => void> = [];

  constructor(
    spec: IsolatedInstanceSpec,
    /** Seconds a flush may run before its child is killed; 0: no limit. */
    private readonly flushTimeout: number,
  ) {
    super(spec);
    this.workers = Math.max(1, spec.workers ?? 1);
  }

  flush(tag: string, data: Uint8Array | Uint8Array[]): Promise<number | null> {
    const failure = this.failedWith;
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      const pieces = Array.isArray(data) ? data : [data];
      this.waiting.push({ tag, pieces, bytes: pieces.reduce((sum, piece) => sum + piece.byteLength, 0), resolve, reject });
      this.pump();
    });
  }

  cancelQueued(): number {
    const cancelled = this.waiting.splice(0);
    for (const job of cancelled) job.resolve(null);
    this.checkDrained();
    return cancelled.length;
  }

  protected onReady(): void {
    this.pump();
  }

  protected onLost(): void {
    // Back to the front, in the order they were sent.
    const lost = this.sent.splice(0);
    this.sentBytes = 0;
    for (const job of lost) {
      clearTimeout(job.timer);
      job.timer = undefined;
    }
    this.waiting.unshift(...lost);
    if (lost.length > 0) this.logger.warn({ flushes: lost.length }, `${lost.length} flush(es) in flight are handed to the next process`);
  }

  protected onFailed(error: Error): void {
    this.sentBytes = 0;
    for (const job of [...this.sent.splice(0), ...this.waiting.splice(0)]) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    this.checkDrained();
  }

  protected override onTerminated(): void {
    // Killed at the end of the grace period: what it had never got an answer.
    this.sentBytes = 0;
    for (const job of [...this.sent.splice(0), ...this.waiting.splice(0)]) {
      clearTimeout(job.timer);
      job.resolve(null);
    }
    this.checkDrained();
  }

  protected wantsReferenced(): boolean {
    return this.waiting.length > 0 || this.sent.length > 0;
  }

  protected override beforeClose(): Promise<void> {
    if (this.waiting.length === 0 && this.sent.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private pump(): void {
    const host = this.host;
    if (this.state !== 'running' || !host) return;
    while (this.waiting.length > 0 && this.roomFor(this.waiting[0]!)) {
      const job = this.waiting.shift()!;
      this.sent.push(job);
      this.sentBytes += job.bytes;
      host.request(FRAME.flush, (frame) => frame.string(job.tag), job.pieces).then(
        (code) => this.landed(job, code as number | null),
        (error: Error) => {
          // A child that died hands its flushes back (onLost); a refusal is the flush's.
          if (error instanceof HostExitedError) return;
          this.landed(job, undefined, error);
        },
      );
    }
    this.armTimers();
    this.updateReferenced();
  }

  /** Whether `job` may go to the child now (see AHEAD_FLUSHES). */
  private roomFor(job: FlushJob): boolean {
    if (this.sent.length <= this.workers) return true;
    return this.sent.length < this.workers + AHEAD_FLUSHES && this.sentBytes + job.bytes <= AHEAD_BYTES;
  }

  private landed(job: FlushJob, code: number | null | undefined, error?: Error): void {
    const index = this.sent.indexOf(job);
    if (index < 0) return; // handed back already
    this.sent.splice(index, 1);
    this.sentBytes -= job.bytes;
    clearTimeout(job.timer);
    if (error) job.reject(error);
    else job.resolve(code ?? null);
    this.pump();
    this.checkDrained();
  }

  /**
   * The child runs `workers` flushes at once, in the order sent: the oldest
   * `workers` are running, and their clocks run from when they started.
   */
  private armTimers(): void {
    if (this.flushTimeout <= 0) return;
    for (const job of this.sent.slice(0, this.workers)) {
      job.timer ??= setTimeout(
        () => this.killForTimeout(`a flush (tag '${job.tag}') did not return within Flush_Timeout ${this.flushTimeout} s`),
        this.flushTimeout * 1000,
      );
    }
  }

  private checkDrained(): void {
    if (this.waiting.length > 0 || this.sent.length > 0) return;
    this.updateReferenced();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
