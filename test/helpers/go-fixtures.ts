/**
 * Builds the Go plugins in test/fixtures/go with `go build -buildmode=c-shared`
 * against the real fluent-bit-go module, caching each .so by a hash of its
 * sources, go.mod, go.sum and the Go version, so only the first run pays for
 * the compile (about half a minute each on two cores).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const GO_FIXTURES_DIR = join(repoRoot, 'test', 'fixtures', 'go');
const CACHE_DIR = join(repoRoot, 'build', 'test-fixtures', 'go');

/** Directories under test/fixtures/go holding a plugin's main package. */
export function goFixtureNames(): string[] {
  return readdirSync(GO_FIXTURES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(GO_FIXTURES_DIR, entry.name, 'main.go')))
    .map((entry) => entry.name)
    .sort();
}

function sourceHash(name: string, goVersion: string): string {
  const hash = createHash('sha256').update(goVersion);
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(GO_FIXTURES_DIR, file)));
  const dir = join(GO_FIXTURES_DIR, name);
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.go')) hash.update(file).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds (or finds in the cache) every Go fixture; returns name → .so path. */
export function buildGoFixtures(): Record<string, string> {
  let goVersion: string;
  try {
    goVersion = execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the Go toolchain (`go`) is needed to build the Go plugin fixtures; install Go >= 1.21');
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const built: Record<string, string> = {};
  for (const name of goFixtureNames()) {
    const target = join(CACHE_DIR, `${name}-${sourceHash(name, goVersion)}.so`);
    if (!existsSync(target)) {
      const partial = `${target}.partial-${process.pid}`;
      execFileSync('go', ['build', '-buildmode=c-shared', '-trimpath', '-buildvcs=false', '-o', partial, `./${name}`], {
        cwd: GO_FIXTURES_DIR,
        env: { ...process.env, CGO_ENABLED: '1' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      renameSync(partial, target); // atomic: a concurrent run never sees half a file
    }
    built[name] = target;
  }
  return built;
}
