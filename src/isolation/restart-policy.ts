/**
 * When an isolated instance whose child died is started again, and when it
 * is given up. Every rule about restarts lives here.
 *
 * The n-th failure within the window waits RESTART_BASE_MS · 2^(n-1)
 * (capped) before the restart: a plugin that crashes at once on every start
 * costs a few processes, not a busy loop. The CRASH_LIMIT-th failure within
 * CRASH_WINDOW_MS fails the instance for good: its chunks are reported
 * undelivered instead of being handed to a plugin that cannot take them.
 */

export const RESTART_BASE_MS = 250;
export const RESTART_CAP_MS = 30_000;
export const CRASH_LIMIT = 5;
export const CRASH_WINDOW_MS = 60_000;
/**
 * A restarted child whose load, Register, Init and PreRun have not finished
 * by then is killed, and that counts as a failure: an instance must not
 * wait for ever in 'restarting' while its flushes pile up. (The first start
 * has no such bound, as in process: a slow Init at start-up is the
 * operator's to see.)
 */
export const RESTART_START_TIMEOUT_MS = 30_000;

export type RestartDecision = { giveUp: false; delayMs: number; inWindow: number } | { giveUp: true; inWindow: number };

export class RestartPolicy {
  private failures: number[] = [];

  /** A child died (crashed, or was killed for hanging): what now. */
  failed(now = Date.now()): RestartDecision {
    this.failures = this.failures.filter((at) => now - at < CRASH_WINDOW_MS);
    this.failures.push(now);
    const inWindow = this.failures.length;
    if (inWindow >= CRASH_LIMIT) return { giveUp: true, inWindow };
    return { giveUp: false, delayMs: Math.min(RESTART_CAP_MS, RESTART_BASE_MS * 2 ** (inWindow - 1)), inWindow };
  }
}
