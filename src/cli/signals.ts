/**
 * What the flbhost command does with each signal. This file decides; run.ts
 * supplies what "stop", "exit at once" and "log" mean at each stage.
 *
 *   SIGTERM, SIGINT, SIGQUIT  stop gracefully (as Fluent Bit does). The same
 *                             signal again within SAME_SIGNAL_WINDOW_MS is
 *                             that same request; any other stop signal, or
 *                             the same one later, exits at once.
 *
 * Isolated plugin children ignore these themselves
 * (native/plugin_host_main.cc), and plugin threads block them
 * (native/plugin_thread.cc), so only this process's JS thread acts on them.
 *
 * The listeners are installed before any plugin is loaded (a Go runtime
 * adds SA_ONSTACK to the handlers it finds when it loads; one installed
 * later without it crashes the process when the signal lands on a Go
 * thread) and are never removed: with no listener left, libuv puts the
 * default action back and a new listener would lack SA_ONSTACK.
 */

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * The same stop signal arriving again within this many milliseconds of the
 * first is the same stop request, not a second one. Why: wrappers deliver
 * one request twice. GNU `timeout` signals its child and then its whole
 * process group, which flbhost is in; `npm run` forwards SIGINT to its
 * child, which a terminal's Ctrl-C has already reached (it goes to the
 * whole foreground group). The copies come microseconds to milliseconds
 * apart, and taken as two requests they would throw away the graceful stop
 * the first one asked for. A second long enough for that and short enough
 * for a person: who wants flbhost to stop waiting presses Ctrl-C again once
 * it says it is stopping (a double tap within the second counts once).
 */
export const SAME_SIGNAL_WINDOW_MS = 1000;

export type SignalLogLevel = 'debug' | 'info' | 'warn';

/** What run.ts does when the policy has decided. */
export interface SignalActions {
  /** The first stop request. */
  stop(signal: StopSignal): void;
  /** A second stop request: exit at once, without waiting for pending data. */
  exitNow(signal: StopSignal): void;
  log(level: SignalLogLevel, message: string): void;
}

type StopDecision = 'stop' | 'same request' | 'exit now';

/** Which stop request a stop signal is: the first, the first again, or a second one. */
class StopRequests {
  private first?: { signal: StopSignal; at: number };

  /** `at`: a monotonic time in milliseconds. */
  decide(signal: StopSignal, at: number): StopDecision {
    if (!this.first) {
      this.first = { signal, at };
      return 'stop';
    }
    if (signal === this.first.signal && at - this.first.at < SAME_SIGNAL_WINDOW_MS) return 'same request';
    return 'exit now';
  }
}

/** Installs flbhost's listener for every signal above, for the rest of the process's life. */
export function installSignalPolicy(actions: SignalActions): void {
  const requests = new StopRequests();
  const onSignal = (signal: StopSignal) => {
    switch (requests.decide(signal, performance.now())) {
      case 'stop':
        actions.stop(signal);
        break;
      case 'same request':
        actions.log('debug', `${signal} again within ${SAME_SIGNAL_WINDOW_MS} ms: the same stop request (wrappers such as \`timeout\` deliver it twice)`);
        break;
      case 'exit now':
        actions.exitNow(signal);
        break;
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}
