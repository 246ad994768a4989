/**
 * Keeps dist/ in step with src/. The CLI, worker-thread and child-process
 * tests run the compiled dist/, which `npx vitest run` does not build on its
 * own: without this, a test of a changed src/ file could pass against the old
 * code. The global setup rebuilds dist/ whenever a build input is newer than
 * dist/index.cjs (the build's last output, rewritten on each build, so its
 * mtime is the time of the last complete build).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './paths.js';

export const distStamp = join(repoRoot, 'dist', 'index.cjs');

/**
 * Every file the build of dist/ (scripts/build-js.mjs: tsc, then the CommonJS
 * bundles of package.json's exports) reads from the repository: src/, both
 * tsconfigs, package.json and the build script.
 */
export function buildInputs(): string[] {
  const files = ['tsconfig.json', 'tsconfig.build.json', 'package.json', join('scripts', 'build-js.mjs')].map((file) => join(repoRoot, file));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(repoRoot, 'src'));
  return files;
}

/** Build inputs changed since dist/ was last built (all of them when it never was), relative to the repository. */
export function staleBuildInputs(): string[] {
  const built = existsSync(distStamp) ? statSync(distStamp).mtimeMs : -Infinity;
  return buildInputs()
    .filter((file) => statSync(file).mtimeMs > built)
    .map((file) => relative(repoRoot, file));
}

/**
 * Builds dist/ (scripts/build-js.mjs) when it is stale.
 * Measured on the shared 2-core machine: a full `tsc -p tsconfig.build.json`
 * takes about 6 s of CPU (6.5 to 16 s wall under load), too much to pay on
 * every `vitest run` of one file, hence the mtime check (a few ms).
 * Returns the inputs that triggered a build ([] when dist/ was fresh).
 */
export function buildDistIfStale(): string[] {
  const stale = staleBuildInputs();
  if (stale.length === 0) return stale;
  try {
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build-js.mjs')], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    // tsc emits even when it reports errors: date the stamp back so the next
    // run builds again instead of trusting a build that failed.
    if (existsSync(distStamp)) utimesSync(distStamp, 0, 0);
    const output = (error as { stdout?: string }).stdout || String(error);
    throw new Error(`building dist/ failed (scripts/build-js.mjs), the tests would run stale code:\n${output}`);
  }
  return stale;
}
