/**
 * Parsers for the values Fluent Bit keys take: sizes like "5M", booleans,
 * seconds, retry limits, integers. Each error names where the value came
 * from (`where`: "fluent-bit.conf:7: lib.0: mem_buf_limit").
 */
import { ConfigError } from '../errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** "5M", "512k", "1G", "2048" → bytes (Fluent Bit's flb_utils_size_to_bytes units: powers of 1024). */
export function parseSize(value: string | number, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]b?)?\s*$/i.exec(String(value));
  if (!match) throw new ConfigError(`${where}: '${value}' is not a size (e.g. 512k, 5M, 1G)`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()]!);
}

/** The words Fluent Bit reads as false (lower case). */
export const FALSE_WORDS: readonly string[] = ['off', 'false', 'no', '0'];

/** Fluent Bit booleans: on/off, true/false, yes/no, 1/0. */
export function parseBoolean(value: string | boolean, where: string): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (FALSE_WORDS.includes(v)) return false;
  throw new ConfigError(`${where}: '${value}' is not a boolean (on/off, true/false, yes/no)`);
}

/** Seconds as Fluent Bit writes them ("1", "0.5"); -1 where allowed. */
export function parseSeconds(value: string | number, where: string, allowNegativeOne = false): number {
  const n = typeof value === 'number' ? value : String(value).trim() === '' ? NaN : Number(String(value).trim());
  if (allowNegativeOne && n === -1) return -1;
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError(`${where}: '${value}' is not a number of seconds${allowNegativeOne ? ' (or -1: wait until everything is delivered)' : ''}`);
  }
  return n;
}

/**
 * Retry_Limit: an integer N (re-tries after the first attempt), `no_limits`
 * / `false` / `off` (unlimited, -1), `no_retries` (0). An integer <= 0 is
 * invalid in Fluent Bit and becomes 1 there; here it is an error.
 */
export function parseRetryLimit(value: string | number, where: string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && (value > 0 || value === -1 || value === 0)) return value;
  } else {
    const v = value.trim().toLowerCase();
    if (v === 'no_limits' || v === 'false' || v === 'off') return -1;
    if (v === 'no_retries') return 0;
    if (/^\d+$/.test(v) && Number(v) > 0) return Number(v);
  }
  throw new ConfigError(`${where}: '${value}' is not a retry limit (a positive integer, no_limits, or no_retries)`);
}

/** Milliseconds between an input's collects: a finite number, 0 or more (0 = continuously). */
export function parseMilliseconds(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${where}: '${String(value)}' is not a number of milliseconds (0 or more)`);
  }
  return value;
}

/** An integer within [min, max], from a number or its decimal text. */
export function parseInteger(value: string | number, where: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${where}: '${value}' is not an integer from ${min} to ${max}`);
  }
  return n;
}
