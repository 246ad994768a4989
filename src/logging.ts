/**
 * The host logger, and the mapping between Fluent Bit's numeric log levels
 * and pino's named ones.
 */
import { pino, type Logger } from 'pino';
import { ConfigError } from './errors.js';

/** The logger interface flbhost needs: any pino logger (or compatible) fits. */
export type HostLogger = Pick<Logger, 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'child' | 'level'>;

/** Fluent Bit's level names, as accepted by `log_level`. */
export type LogLevelName = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Fluent Bit's numbers for them (include/fluent-bit/flb_log.h). */
export const FLB_LOG_LEVELS: Record<LogLevelName, number> = {
  off: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
};

/** Parses a Fluent Bit `log_level` value ("warning" is Fluent Bit's spelling too). */
export function parseLogLevel(value: string, where = 'log_level'): LogLevelName {
  const normalised = value.trim().toLowerCase();
  if (normalised === 'warning') return 'warn';
  if (normalised in FLB_LOG_LEVELS) return normalised as LogLevelName;
  throw new ConfigError(`${where}: '${value}' is not a log level (off, error, warn, info, debug, trace)`);
}

/** The Fluent Bit level matching a pino logger's current level. */
export function levelOfLogger(logger: HostLogger): LogLevelName {
  switch (logger.level) {
    case 'fatal':
    case 'error':
      return 'error';
    case 'warn':
      return 'warn';
    case 'debug':
      return 'debug';
    case 'trace':
      return 'trace';
    case 'silent':
      return 'off';
    default:
      return 'info';
  }
}

/** Writes one plugin log line through the host logger at the matching level. */
export function logAtFlbLevel(logger: HostLogger, level: number, fields: object, message: string): void {
  switch (level) {
    case 1:
      logger.error(fields, message);
      break;
    case 2:
      logger.warn(fields, message);
      break;
    case 4:
      logger.debug(fields, message);
      break;
    case 5:
      logger.trace(fields, message);
      break;
    default: // 3 info, 6 help and anything unknown
      logger.info(fields, message);
  }
}

let defaultLogger: HostLogger | undefined;

/** JSON lines on stderr at info, until the application passes its own logger. */
export function getDefaultLogger(): HostLogger {
  defaultLogger ??= pino({ name: 'flbhost', level: process.env.FLBHOST_LOG_LEVEL ?? 'info' }, pino.destination(2));
  return defaultLogger;
}
