/**
 * What both Go fixture builders (go-fixtures.ts for fluent-bit-go,
 * calyptia-fixtures.ts for calyptia/plugin) share: finding the toolchain,
 * hashing a plugin's sources for the cache, and building one c-shared .so
 * so that a concurrent test run never sees half a file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** `go version`, or an error saying what needs Go and which version. */
export function goVersion(neededFor: string, minimum: string): string {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`the Go toolchain (\`go\`) is needed to build ${neededFor}; install Go >= ${minimum}`);
  }
}

/**
 * A short hash of everything a plugin's build depends on: `salts` (the Go
 * version and any other inputs), its module's go.mod and go.sum, and the .go
 * files of its package directory.
 */
export function goSourceHash(moduleDir: string, packageDir: string, salts: string[]): string {
  const hash = createHash('sha256');
  for (const salt of salts) hash.update(salt);
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  for (const file of readdirSync(packageDir).sort()) {
    if (file.endsWith('.go')) hash.update(file).update(readFileSync(join(packageDir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** `go build -buildmode=c-shared` of `./<pkg>` in `moduleDir`, written to `target`. */
export function buildCShared(options: {
  moduleDir: string;
  pkg: string;
  target: string;
  env: Record<string, string>;
  extraArgs?: string[];
}): void {
  const { moduleDir, pkg, target, env, extraArgs = [] } = options;
  const partial = `${target}.partial-${process.pid}`;
  execFileSync('go', ['build', '-buildmode=c-shared', '-trimpath', '-buildvcs=false', ...extraArgs, '-o', partial, `./${pkg}`], {
    cwd: moduleDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // cgo also writes the export header next to the output ('<name>.so.h' for
  // '<name>.so.partial-<pid>'); nothing uses it.
  rmSync(`${target}.h`, { force: true });
  renameSync(partial, target); // atomic: a concurrent run never sees half a file
}
