/**
 * Typed reads of a plugin instance's properties. Every error is a
 * ConfigError that names the instance and the key (`dummy.0: rate: 'abc' is
 * not a number`), because a config may hold many instances of one plugin.
 */
import { ConfigError } from '../errors.js';
import { parseBoolean, parseSize } from '../plan/values.js';
import type { PluginContext } from '../engine/plugin-api.js';

export interface IntegerLimits {
  min?: number;
  max?: number;
}

export class PropertyReader {
  constructor(private readonly ctx: Pick<PluginContext, 'name' | 'properties'>) {}

  /** The raw value, or undefined when the key is not set. */
  raw(key: string): string | undefined {
    return this.ctx.properties.get(key);
  }

  string(key: string, fallback: string): string {
    return this.raw(key) ?? fallback;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    return value === undefined ? fallback : parseBoolean(value, this.where(key));
  }

  /** A size such as 512k or 16M, in bytes. */
  size(key: string, fallback: string): number {
    return parseSize(this.raw(key) ?? fallback, this.where(key));
  }

  integer(key: string, fallback: number, limits: IntegerLimits = {}): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const trimmed = value.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) throw this.error(key, value, 'is not an integer');
    return this.checkLimits(key, value, Number(trimmed), limits);
  }

  /** A finite number, fractions allowed; `above` is an exclusive lower bound. */
  number(key: string, fallback: number, bounds: { above?: number } = {}): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const parsed = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(parsed)) throw this.error(key, value, 'is not a number');
    if (bounds.above !== undefined && parsed <= bounds.above) {
      throw this.error(key, value, `must be greater than ${bounds.above}`);
    }
    return parsed;
  }

  /** One of a fixed set of words, case-insensitive; returns the canonical spelling. */
  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const wanted = value.trim().toLowerCase();
    const found = choices.find((choice) => choice.toLowerCase() === wanted);
    if (found === undefined) throw this.error(key, value, `is not one of ${choices.join(', ')}`);
    return found;
  }

  /** `instance: key`, the prefix of every message about this key. */
  where(key: string): string {
    return `${this.ctx.name}: ${key}`;
  }

  error(key: string, value: string, problem: string): ConfigError {
    return new ConfigError(`${this.where(key)}: '${value}' ${problem}`);
  }

  private checkLimits(key: string, value: string, parsed: number, limits: IntegerLimits): number {
    if (!Number.isSafeInteger(parsed)) throw this.error(key, value, 'is out of range');
    if (limits.min !== undefined && parsed < limits.min) throw this.error(key, value, `must be at least ${limits.min}`);
    if (limits.max !== undefined && parsed > limits.max) throw this.error(key, value, `must be at most ${limits.max}`);
    return parsed;
  }
}
