/**
 * What the flbhost command does with each signal. This file decides; run.ts
 * supplies what "stop", "exit at once" and "log" mean at each stage.
 *
 *   SIGTERM, SIGINT, SIGQUIT  stop gracefully (as Fluent Bit does). The same
 *                             signal again within SAME_SIGNAL_WINDOW_MS is
 *                             that same request; any other stop signal, or
 *                             the same one later, exits at once.
 *   SIGHUP                    hot reload, as in Fluent Bit: run.ts reloads
 *                             the configuration when Hot_Reload is on, and
 *                             says why not otherwise; keeps running.
 *   SIGUSR2                   logged (warn), keeps running. (Fluent Bit has
 *                             no handler for it and dies of it.)
 *   SIGUSR1                   logged (info), keeps running, and Node's
 *                             inspector is NOT opened (see below).
 *
 * Isolated plugin children ignore all of these themselves
 * (native/plugin_host_main.cc), and plugin threads block them
 * (native/plugin_thread.cc), so only this process's JS thread acts on them.
 *
 * SIGUSR1: Node installs a SIGUSR1 handler of its own at start-up that opens
 * the inspector on 127.0.0.1:9229, and Node 20 has no flag to turn that off.
 * A JS listener for the signal replaces Node's handler with libuv's, so the
 * inspector never starts (test/cli/signals.test.ts checks that the process
 * owns no listening socket after a SIGUSR1). The launcher cannot do it
 * instead: Node resets every signal's disposition when it starts, so a
 * `trap '' USR1` before `exec node` is undone. What is left is the time
 * before any JS runs (Node's own start-up and loading this command's
 * modules, a fraction of a second), when a SIGUSR1 still opens it.
 *
 * The listeners are installed before any plugin is loaded (a Go runtime
 * adds SA_ONSTACK to the handlers it finds when it loads; one installed
 * later without it crashes the process when the signal lands on a Go
 * thread) and are never removed: with no listener left, libuv puts the
 * default action back (SIGHUP, SIGUSR1/2 would kill the process) and a new
 * listener would lack SA_ONSTACK.
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

/** What a signal that does not stop flbhost makes it do: log a line, and carry on. */
interface Notice {
  level: SignalLogLevel;
  message: string;
}

export const NOTICES = {
  SIGUSR2: { level: 'warn', message: 'received SIGUSR2: flbhost gives it no meaning; ignored, still running' },
  SIGUSR1: { level: 'info', message: "received SIGUSR1: ignored (it does not open Node's inspector in flbhost); still running" },
} as const satisfies Record<string, Notice>;

export type NoticeSignal = keyof typeof NOTICES;

/** What run.ts does when the policy has decided. */
export interface SignalActions {
  /** The first stop request. */
  stop(signal: StopSignal): void;
  /** A second stop request: exit at once, without waiting for pending data. */
  exitNow(signal: StopSignal): void;
  /** SIGHUP: reload the configuration (or say why not). */
  reload(): void;
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
  const onStopSignal = (signal: StopSignal) => {
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
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
  process.on('SIGHUP', () => actions.reload());
  for (const [signal, notice] of Object.entries(NOTICES) as Array<[NoticeSignal, Notice]>) process.on(signal, () => actions.log(notice.level, notice.message));
}
