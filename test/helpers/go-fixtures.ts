/**
 * Builds the Go plugins in test/fixtures/go with `go build -buildmode=c-shared`
 * against the real fluent-bit-go module, caching each .so by a hash of its
 * sources, go.mod, go.sum and the Go version, so only the first run pays for
 * the compile (about half a minute each on two cores).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildCShared, goSourceHash, goVersion } from './go-build.js';
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

/** Builds (or finds in the cache) every Go fixture; returns name → .so path. */
export function buildGoFixtures(): Record<string, string> {
  const version = goVersion('the Go plugin fixtures', '1.21');
  mkdirSync(CACHE_DIR, { recursive: true });
  const built: Record<string, string> = {};
  for (const name of goFixtureNames()) {
    const hash = goSourceHash(GO_FIXTURES_DIR, join(GO_FIXTURES_DIR, name), [version]);
    const target = join(CACHE_DIR, `${name}-${hash}.so`);
    if (!existsSync(target)) buildCShared({ moduleDir: GO_FIXTURES_DIR, pkg: name, target, env: { CGO_ENABLED: '1' } });
    built[name] = target;
  }
  return built;
}
