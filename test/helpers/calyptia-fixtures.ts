/**
 * Builds the calyptia/plugin fixtures in test/fixtures/calyptia/<version>/<kind>
 * (for example v1/output) with `go build -buildmode=c-shared` against the real
 * github.com/calyptia/plugin module pinned in each version's go.mod.
 *
 * calyptia/plugin imports github.com/calyptia/cmetrics-go, a cgo binding that
 * links `-lcmetrics -lcfl -lmpack -lxxhash` statically. The headers and static
 * libraries come from the Debian packages that cmetrics-go itself ships under
 * external/ (cmetrics 0.2.1, amd64 only). They are unpacked into
 * build/test-fixtures/calyptia/cmetrics-<hash>/ and handed to cgo through
 * CGO_CFLAGS/CGO_LDFLAGS, so nothing has to be installed in /usr/local.
 * cmetrics-go v0.1.9 (used by calyptia/plugin v1.4.x) ships no packages, so the
 * packages are taken from the first fixture module whose cmetrics-go has them
 * (v0.1.6 and v0.1.7 carry byte-identical ones). libcmetrics.a 0.2.1 uses no
 * cfl symbols, so an empty libcfl.a satisfies `-lcfl`.
 *
 * Each .so is cached by a hash of its sources, its module's go.mod/go.sum,
 * the Go version and the cmetrics packages (go-build.ts). The packages
 * are amd64 only: on any other platform this returns {} (with a warning), so
 * tests that need these plugins should skip when their key is missing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { buildCShared, goSourceHash, goVersion } from './go-build.js';
import { repoRoot } from './paths.js';

export const CALYPTIA_FIXTURES_DIR = join(repoRoot, 'test', 'fixtures', 'calyptia');
const CACHE_DIR = join(repoRoot, 'build', 'test-fixtures', 'calyptia');
const CMETRICS_GO = 'github.com/calyptia/cmetrics-go';

/** An empty `ar` archive: what `ar rcs libcfl.a` writes with no members. */
const EMPTY_AR_ARCHIVE = '!<arch>\n';

/** Version directories (v0, v1, ...) holding a go.mod. */
export function calyptiaVersions(): string[] {
  return readdirSync(CALYPTIA_FIXTURES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(CALYPTIA_FIXTURES_DIR, entry.name, 'go.mod')))
    .map((entry) => entry.name)
    .sort();
}

/** Every fixture as '<version>/<plugin dir>', e.g. 'v1/custom'. */
export function calyptiaFixtureNames(): string[] {
  const names: string[] = [];
  for (const version of calyptiaVersions()) {
    const dir = join(CALYPTIA_FIXTURES_DIR, version);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(dir, entry.name, 'main.go'))) names.push(`${version}/${entry.name}`);
    }
  }
  return names.sort();
}

interface CmetricsDebs {
  runtime: string; // cmetrics_<v>_amd64.deb: libcmetrics.a, libmpack.a, libxxhash.a
  headers: string; // cmetrics_<v>_amd64-headers.deb
}

/** The cmetrics packages from the first fixture module whose cmetrics-go ships them. */
function findCmetricsDebs(): CmetricsDebs {
  const looked: string[] = [];
  for (const version of calyptiaVersions()) {
    // Downloads the module if needed (go.sum pins it), prints its directory.
    const info = JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', CMETRICS_GO], {
        cwd: join(CALYPTIA_FIXTURES_DIR, version),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ) as { Dir?: string; Version?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download ${CMETRICS_GO} (in ${version}) failed: ${info.Error ?? 'no Dir'}`);
    const external = join(info.Dir, 'external');
    looked.push(`${CMETRICS_GO}@${info.Version} (${version})`);
    if (!existsSync(external)) continue;
    const files = readdirSync(external).sort();
    for (const file of files) {
      const match = /^cmetrics_(.+)_amd64\.deb$/.exec(file);
      const headers = match && `cmetrics_${match[1]}_amd64-headers.deb`;
      if (headers && files.includes(headers)) {
        return { runtime: join(external, file), headers: join(external, headers) };
      }
    }
  }
  throw new Error(`no cmetrics_*_amd64.deb and -headers.deb found under external/ of ${looked.join(', ')}`);
}

/** Unpacks a .deb's files under `dest` (dpkg -x, or ar + tar without dpkg). */
function extractDeb(deb: string, dest: string): void {
  try {
    execFileSync('dpkg-deb', ['-x', deb, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const scratch = mkdtempSync(join(dest, '..', 'deb-'));
  try {
    execFileSync('ar', ['x', deb], { cwd: scratch });
    const data = readdirSync(scratch).find((file) => file.startsWith('data.tar'));
    if (!data) throw new Error(`${deb} has no data.tar member`);
    execFileSync('tar', ['-xf', join(scratch, data), '-C', dest]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Include and lib directories of the unpacked cmetrics packages (cached). */
function cmetricsPrefix(debs: CmetricsDebs): { include: string; lib: string; hash: string } {
  const hash = createHash('sha256')
    .update(readFileSync(debs.runtime))
    .update(readFileSync(debs.headers))
    .digest('hex')
    .slice(0, 16);
  const dir = join(CACHE_DIR, `cmetrics-${hash}`);
  const prefix = (root: string) => ({
    include: join(root, 'usr', 'local', 'include'),
    lib: join(root, 'usr', 'local', 'lib'),
    hash,
  });
  if (!existsSync(dir)) {
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    extractDeb(debs.headers, partial);
    extractDeb(debs.runtime, partial);
    const { include, lib } = prefix(partial);
    for (const required of [join(include, 'cmetrics', 'cmetrics.h'), join(lib, 'libcmetrics.a')]) {
      if (!existsSync(required)) throw new Error(`${required} missing after unpacking ${debs.runtime}`);
    }
    // cmetrics-go >= v0.1.7 links -lcfl; cmetrics 0.2.1 does not use cfl.
    const cfl = join(lib, 'libcfl.a');
    if (!existsSync(cfl)) writeFileSync(cfl, EMPTY_AR_ARCHIVE);
    try {
      renameSync(partial, dir); // atomic: a concurrent run never sees half a tree
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(dir)) throw error; // otherwise another run won the race
    }
  }
  return prefix(dir);
}

/** A cgo flag for a path, quoted the way the go command splits CGO_* lists. */
function cgoPathFlag(flag: string, path: string): string {
  return /[\s'"]/.test(path) ? `'${flag}${path.replace(/'/g, '')}'` : `${flag}${path}`;
}

/**
 * Builds (or finds in the cache) every calyptia fixture; returns
 * '<version>/<kind>' (e.g. 'v1/output', 'v0/input') → .so path.
 */
export function buildCalyptiaFixtures(): Record<string, string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.warn(
      `calyptia plugin fixtures skipped: cmetrics-go ships amd64 Linux packages only (this is ${process.platform}/${process.arch})`,
    );
    return {};
  }
  const version = goVersion('the calyptia plugin fixtures', '1.24');
  mkdirSync(CACHE_DIR, { recursive: true });
  const cmetrics = cmetricsPrefix(findCmetricsDebs());
  let env: Record<string, string> | undefined;
  const build = (name: string, target: string, extraArgs: string[] = []) => {
    const [module, pkg] = name.split('/') as [string, string];
    env ??= cgoEnv(cmetrics);
    buildCShared({ moduleDir: join(CALYPTIA_FIXTURES_DIR, module), pkg, target, env, extraArgs });
  };
  const targetFor = (name: string, label: string, salts: string[]) => {
    const [module] = name.split('/') as [string];
    const hash = goSourceHash(join(CALYPTIA_FIXTURES_DIR, module), join(CALYPTIA_FIXTURES_DIR, name), [...salts, cmetrics.hash]);
    return join(CACHE_DIR, `${label}-${hash}.so`);
  };

  const built: Record<string, string> = {};
  for (const name of calyptiaFixtureNames()) {
    const target = targetFor(name, name.replace('/', '-'), [version]);
    if (!existsSync(target)) build(name, target);
    built[name] = target;
  }

  // The v1 output again, linked so that the static cmetrics symbols stay out
  // of the dynamic symbol table: a calyptia plugin that exports no cmt_create,
  // which the host must refuse at load instead of letting its Init fail.
  if (built['v1/output']) {
    const hidden = '-ldflags=-extldflags=-Wl,--exclude-libs,ALL';
    const target = targetFor('v1/output', 'v1-output-no-cmt', [`${version} ${hidden}`]);
    if (!existsSync(target)) build('v1/output', target, [hidden]);
    built['v1/output-no-cmt'] = target;
  }
  return built;
}

/**
 * The cgo environment that finds the unpacked cmetrics headers and libraries.
 * It appends to whatever CGO_CFLAGS/CGO_LDFLAGS the go command would use
 * (default "-O2 -g"), since setting them replaces that default.
 */
function cgoEnv(cmetrics: { include: string; lib: string }): Record<string, string> {
  const [cflags = '', ldflags = ''] = execFileSync('go', ['env', 'CGO_CFLAGS', 'CGO_LDFLAGS'], { encoding: 'utf8' }).split('\n');
  return {
    CGO_ENABLED: '1',
    CGO_CFLAGS: `${cflags} ${cgoPathFlag('-I', cmetrics.include)}`.trim(),
    CGO_LDFLAGS: `${ldflags} ${cgoPathFlag('-L', cmetrics.lib)}`.trim(),
  };
}
