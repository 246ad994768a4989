/**
 * The guard in front of every endpoint that changes state (reload, install,
 * delete): `Authorization: Bearer <token>`, the token coming from
 * [SERVICE] HTTP_Token or the environment (FLBHOST_HTTP_TOKEN).
 *
 *   no token configured   403, saying how to configure one
 *   no or wrong token     401 (WWW-Authenticate: Bearer)
 *   right token           the endpoint runs
 *
 * Tokens are compared in constant time (both sides hashed to the same
 * length first, so neither the length nor the first differing byte shows
 * in the time taken). Read-only endpoints need no token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const TOKEN_ENV = 'FLBHOST_HTTP_TOKEN';

export type AuthDecision =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; message: string };

/** The token in force: HTTP_Token, else FLBHOST_HTTP_TOKEN; empty means none. */
export function resolveToken(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = configured ?? env[TOKEN_ENV];
  return token === undefined || token.trim() === '' ? undefined : token.trim();
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class TokenGuard {
  private readonly expected?: Buffer;

  constructor(token: string | undefined) {
    this.expected = token === undefined ? undefined : digest(token);
  }

  get configured(): boolean {
    return this.expected !== undefined;
  }

  check(authorization: string | undefined): AuthDecision {
    if (!this.expected) {
      return {
        allowed: false,
        status: 403,
        message: `endpoints that change state are disabled: no token is configured; set HTTP_Token in [SERVICE] or the ${TOKEN_ENV} environment variable, then send 'Authorization: Bearer <token>'`,
      };
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match) return { allowed: false, status: 401, message: "this endpoint needs 'Authorization: Bearer <token>'" };
    if (!timingSafeEqual(digest(match[1]!), this.expected)) return { allowed: false, status: 401, message: 'the bearer token is not the configured one' };
    return { allowed: true };
  }
}

/**
 * A name that becomes part of a path (a plugin to install or delete):
 * letters, digits, '.', '_' and '-', not starting with '.', at most 128
 * characters, so it can never climb out of its directory. Returns why not.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 128) return 'the name is longer than 128 characters';
  if (name.startsWith('.')) return "the name starts with '.'";
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return "the name may only hold letters, digits, '.', '_' and '-'";
  return undefined;
}
