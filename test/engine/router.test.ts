import { describe, expect, it } from 'vitest';
import { canRetry, retryDelaySeconds } from '../../src/engine/backoff.js';
import { parseRetryLimit, parseSize } from '../../src/plan/values.js';
import { Router, wildcardToRegExp } from '../../src/engine/router.js';

describe('routing (Fluent Bit Match / Match_Regex)', () => {
  it('matches * as any run of characters, everything else literally and case-sensitively', () => {
    expect(wildcardToRegExp('app.*').test('app.web')).toBe(true);
    expect(wildcardToRegExp('app.*').test('app.')).toBe(true);
    expect(wildcardToRegExp('app.*').test('appxweb')).toBe(false); // '.' is literal
    expect(wildcardToRegExp('*.err').test('svc.a.err')).toBe(true);
    expect(wildcardToRegExp('a*b*c').test('aXXbYYc')).toBe(true);
    expect(wildcardToRegExp('App').test('app')).toBe(false);
    expect(wildcardToRegExp('a+b').test('a+b')).toBe(true);
  });

  it('routes a tag to every matching output, regex first, nothing without a rule', () => {
    const router = new Router([{ match: '*' }, { match: 'app.*' }, { matchRegex: '^app\\.(web|api)$', match: 'never' }, {}]);
    expect(router.route('app.web')).toEqual([0, 1, 2]);
    expect(router.route('app.db')).toEqual([0, 1]);
    expect(router.route('other')).toEqual([0]);
    expect(router.route('app.web')).toBe(router.route('app.web')); // cached
  });
});

describe('retry schedule', () => {
  it('waits a full-jitter time in [base, min(cap, base * 2^n)]', () => {
    expect(retryDelaySeconds(5, 2000, 1, () => 0)).toBe(5);
    expect(retryDelaySeconds(5, 2000, 1, () => 1)).toBe(10);
    expect(retryDelaySeconds(5, 2000, 3, () => 1)).toBe(40);
    expect(retryDelaySeconds(5, 2000, 20, () => 1)).toBe(2000);
    for (let i = 0; i < 100; i++) {
      const d = retryDelaySeconds(5, 60, 4);
      expect(d).toBeGreaterThanOrEqual(5);
      expect(d).toBeLessThanOrEqual(60);
    }
  });

  it('allows Retry_Limit re-tries after the first attempt; -1 unlimited, 0 none', () => {
    expect([canRetry(1, 0), canRetry(1, 1)]).toEqual([true, false]);
    expect(canRetry(0, 0)).toBe(false);
    expect(canRetry(-1, 1e6)).toBe(true);
    expect(parseRetryLimit('no_limits', 'x')).toBe(-1);
    expect(parseRetryLimit('False', 'x')).toBe(-1);
    expect(parseRetryLimit('no_retries', 'x')).toBe(0);
    expect(parseRetryLimit('3', 'x')).toBe(3);
    expect(() => parseRetryLimit('-2', 'out.0: retry_limit')).toThrow(/out\.0: retry_limit: '-2' is not a retry limit/);
  });

  it('parses Fluent Bit sizes in powers of 1024', () => {
    expect(parseSize('5M', 'x')).toBe(5 * 1024 * 1024);
    expect(parseSize('512k', 'x')).toBe(512 * 1024);
    expect(parseSize('1.5KB', 'x')).toBe(1536);
    expect(parseSize(100, 'x')).toBe(100);
    expect(() => parseSize('lots', 'in.0: mem_buf_limit')).toThrow(/in\.0: mem_buf_limit: 'lots' is not a size/);
  });
});
