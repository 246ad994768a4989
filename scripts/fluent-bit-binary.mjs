// Where a Fluent Bit binary is, for the tests that compare with it or share
// files with it: FLUENT_BIT_BIN (`none` means leave it out), else the
// reference build beside this repository (../shared/fluent-bit/bin), else
// `fluent-bit` on PATH. flbhost never needs one: tests without it skip, and
// scripts/check-skips.mjs accepts those skips by this same rule.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The binary's path, or undefined. `root`: the repository. */
export function fluentBitBinary(root) {
  const given = process.env.FLUENT_BIT_BIN;
  if (given === 'none') return undefined;
  if (given) return existsSync(given) ? given : undefined;
  const beside = join(root, '..', 'shared', 'fluent-bit', 'bin', 'fluent-bit');
  if (existsSync(beside)) return beside;
  try {
    return execFileSync('sh', ['-c', 'command -v fluent-bit'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
