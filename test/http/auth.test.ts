import { describe, expect, it } from 'vitest';
import { resolveToken, TokenGuard, unsafeNameReason } from '../../src/http/auth.js';

describe('TokenGuard', () => {
  it('403 without a configured token, 401 for a missing, malformed or wrong one, allowed for the right one', () => {
    expect(new TokenGuard(undefined).check('Bearer x')).toMatchObject({ allowed: false, status: 403 });
    const guard = new TokenGuard('abc');
    expect(guard.check(undefined)).toMatchObject({ allowed: false, status: 401 });
    expect(guard.check('abc')).toMatchObject({ allowed: false, status: 401 });
    expect(guard.check('Bearer abcd')).toMatchObject({ allowed: false, status: 401 });
    expect(guard.check('Bearer ab')).toMatchObject({ allowed: false, status: 401 });
    expect(guard.check('Bearer abc')).toEqual({ allowed: true });
    expect(guard.check('bearer abc')).toEqual({ allowed: true });
  });

  it('takes HTTP_Token first, then FLBHOST_HTTP_TOKEN; empty means none', () => {
    expect(resolveToken('a', { FLBHOST_HTTP_TOKEN: 'b' })).toBe('a');
    expect(resolveToken(undefined, { FLBHOST_HTTP_TOKEN: 'b' })).toBe('b');
    expect(resolveToken(undefined, { FLBHOST_HTTP_TOKEN: ' ' })).toBeUndefined();
    expect(resolveToken(undefined, {})).toBeUndefined();
  });
});

describe('unsafeNameReason', () => {
  it.each(['out_loki', 'out-loki.so', 'a1'])('accepts %s', (name) => expect(unsafeNameReason(name)).toBeUndefined());
  it.each(['', '..', '../x', 'a/b', 'a\\b', '.hidden', 'x\0y', 'a b', 'x'.repeat(129)])('refuses %j', (name) => expect(unsafeNameReason(name)).toBeTypeOf('string'));
});
