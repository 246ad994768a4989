/**
 * The transport's own logger: flbhost's lines (plugin log lines, retries,
 * crashes of an isolated plugin, the shutdown report) go to stderr, fd 2,
 * through a pino instance of the transport's own, never through the
 * application's logger.
 *
 * Why: the application's logger writes into this very transport. Were the
 * pipeline's lines logged there, each would become a record the pipeline
 * delivers, and a plugin that logs per flush (or a failing output that logs
 * per retry) would feed itself without end. The worker has no handle on the
 * application's logger anyway (options are structured clones); this file
 * makes sure nothing falls back to one either: the pipeline, the plugin
 * probes and loadPlugin are all given this logger explicitly.
 *
 * Synchronous writes to fd 2: thread-stream ends the worker with
 * process.exit() as soon as the transport has closed, which would cut off
 * an asynchronous destination's last lines, and those (the shutdown report)
 * are the ones that matter. The volume is small.
 */
import { pino } from 'pino';
import type { LogLevelName } from '../logging.js';

const PINO_LEVEL: Record<LogLevelName, string> = { off: 'silent', error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'trace' };

export function transportLogger(level: LogLevelName): pino.Logger {
  return pino({ name: 'flbhost/pino', level: PINO_LEVEL[level] }, pino.destination({ fd: 2, sync: true }));
}
