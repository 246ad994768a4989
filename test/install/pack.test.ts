/**
 * What a user gets from npm: the package is packed, installed into a fresh
 * project by an npm whose PATH has no compiler, no make and no cmake, and then
 * loads a Go plugin and flushes a record through it, from an ES module and
 * from CommonJS (under Node 20's default, where require() cannot load ES
 * modules). Nothing may be compiled on the way: the prebuilt addon and plugin
 * host must be what runs.
 *
 * `npm pack --ignore-scripts` after running prepack's command
 * (scripts/prebuild.mjs) ourselves: pack's `prepare` would rebuild dist/
 * while other test files run it (the global setup has just made it fresh).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const BUILD_TOOLS = ['cc', 'gcc', 'c++', 'g++', 'clang', 'make', 'ninja', 'cmake'];

/** The environment without npm's and flbhost's own variables (vitest may run under `npm test`, CI sets FLBHOST_ADDON). */
function cleanEnv(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|NPM_|FLBHOST_|INIT_CWD$|NODE_OPTIONS$)/.test(key)) env[key] = value;
  }
  env.PATH = path;
  return env;
}

/** A bin directory with only node, npm and sh: what a machine without a toolchain has. */
function bareBin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(process.execPath, join(dir, 'node'));
  const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  symlinkSync(npmCli, join(dir, 'npm'));
  symlinkSync(realpathSync('/bin/sh'), join(dir, 'sh'));
  return dir;
}

let tarball: string;
let packedFiles: string[];
let bin: string;
let work: string;

beforeAll(() => {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'prebuild.mjs')], { cwd: repoRoot, stdio: 'pipe' });
  work = tempDir('flbhost-pack-');
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8', env: cleanEnv(process.env.PATH ?? '') }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, packed!.filename);
  packedFiles = packed!.files.map((file) => file.path);
  bin = bareBin(join(work, 'bin'));
}, 600_000);

function newProject(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

function npmInstall(project: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(join(bin, 'npm'), ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
    cwd: project,
    env: { ...cleanEnv(bin), ...extraEnv },
    encoding: 'utf8',
    timeout: 300_000,
  });
}

/** The script both module systems run: load the Go output, flush one record, say which addon file the process mapped. */
function flushScript(moduleSystem: 'esm' | 'cjs', plugin: string, out: string): string {
  const load = moduleSystem === 'esm' ? "import { loadPlugin } from 'flbhost';\nimport { readFileSync } from 'node:fs';" : "const { loadPlugin } = require('flbhost');\nconst { readFileSync } = require('node:fs');";
  return `${load}
(async () => {
  const lib = await loadPlugin(${JSON.stringify(plugin)});
  const out = await lib.createOutput({ properties: { path: ${JSON.stringify(out)} } });
  const result = await out.flush('app.${moduleSystem}', [{ record: { via: '${moduleSystem}' } }]);
  await out.close();
  const addon = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(' ').pop()).find((p) => p.endsWith('/flbhost.node'));
  console.log(JSON.stringify({ result, addon }));
  process.exit(0);
})();
`;
}

describe('the packed package', () => {
  it('carries the prebuilt binaries, dist/ for both module systems, and no developer sources', () => {
    const target = `linux-${process.arch}-glibc`;
    for (const file of [`prebuilds/${target}/flbhost.node`, `prebuilds/${target}/flbhost-plugin-host`, `prebuilds/${target}/prebuilt.json`, 'dist/index.js', 'dist/index.cjs', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'scripts/install.mjs', 'CMakeLists.txt']) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((file) => /^(plugins-c|bench|test|build)\//.test(file))).toEqual([]);
    // What this file ran before packing is what `npm pack` runs.
    expect((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.prepack).toBe('node scripts/prebuild.mjs');
  });

  it('installs with no compiler on PATH and runs a Go plugin from an ES module and from CommonJS, on the prebuilt binaries', () => {
    for (const tool of BUILD_TOOLS) {
      expect(spawnSync('sh', ['-c', `command -v ${tool}`], { env: cleanEnv(bin) }).status, `${tool} must not be on the test's PATH`).not.toBe(0);
    }
    const project = newProject('app');
    const install = npmInstall(project);
    expect(install.status, `npm install failed:\n${install.stdout}\n${install.stderr}`).toBe(0);
    const installed = join(project, 'node_modules', 'flbhost');
    expect(existsSync(join(installed, 'build')), 'nothing is built at install').toBe(false);

    const plugin = inject('goPlugins').out_gjsonl!;
    for (const moduleSystem of ['esm', 'cjs'] as const) {
      const script = join(project, moduleSystem === 'esm' ? 'flush.mjs' : 'flush.cjs');
      const out = join(project, `${moduleSystem}.jsonl`);
      writeFileSync(script, flushScript(moduleSystem, plugin, out));
      // --no-experimental-require-module: Node 20 before 20.19 cannot require() an ES module.
      const run = spawnSync(process.execPath, ['--no-experimental-require-module', script], { cwd: project, env: cleanEnv(bin), encoding: 'utf8', timeout: 60_000 });
      expect(run.status, `${moduleSystem}: ${run.stdout}\n${run.stderr}`).toBe(0);
      const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as { result: string; addon: string };
      expect(report.result).toBe('ok');
      expect(report.addon).toBe(join(realpathSync(installed), 'prebuilds', `linux-${process.arch}-glibc`, 'flbhost.node'));
      const lines = readJsonLines(out).filter((line) => 'record' in line); // the plugin adds a line at exit
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ tag: `app.${moduleSystem}`, record: { via: moduleSystem } });
    }
  });

  it('on a glibc older than the prebuilt needs: says so at install and at load, with what is missing to build', () => {
    const project = newProject('old-glibc');
    expect(npmInstall(project).status).toBe(0);
    const installed = join(project, 'node_modules', 'flbhost');
    const manifest = join(installed, 'prebuilds', `linux-${process.arch}-glibc`, 'prebuilt.json');
    writeFileSync(manifest, JSON.stringify({ ...(JSON.parse(readFileSync(manifest, 'utf8')) as object), glibc: '99.0' }));
    const tooOld = `the prebuilt binaries for linux-${process.arch}-glibc need glibc >= 99.0; this system has glibc `;

    const rebuild = spawnSync(join(bin, 'npm'), ['rebuild', 'flbhost', '--foreground-scripts'], { cwd: project, env: cleanEnv(bin), encoding: 'utf8', timeout: 120_000 });
    expect(rebuild.status).not.toBe(0);
    expect(`${rebuild.stdout}\n${rebuild.stderr}`).toContain(tooOld);
    expect(`${rebuild.stdout}\n${rebuild.stderr}`).toContain('missing: cmake (>= 3.15); a C compiler (cc); a C++ compiler (c++); make (or ninja).');

    const script = join(project, 'load.mjs');
    writeFileSync(script, `import { loadPlugin } from 'flbhost';\nawait loadPlugin(${JSON.stringify(inject('goPlugins').out_gjsonl)});\n`);
    const load = spawnSync(process.execPath, [script], { cwd: project, env: cleanEnv(bin), encoding: 'utf8', timeout: 60_000 });
    expect(load.status).not.toBe(0);
    expect(load.stderr).toContain(`flbhost: no native addon to load: ${tooOld}`);
    expect(load.stderr).toContain('`npm rebuild flbhost`');
  });

  it('says exactly what is missing when it has to build from source and cannot', () => {
    const project = newProject('from-source');
    const install = npmInstall(project, { FLBHOST_BUILD_FROM_SOURCE: '1' });
    expect(install.status).not.toBe(0);
    const said = `${install.stdout}\n${install.stderr}`;
    expect(said).toContain('flbhost: building from source as asked, and it cannot be built from source:');
    expect(said).toContain('missing: cmake (>= 3.15); a C compiler (cc); a C++ compiler (c++); make (or ninja).');
  });
});
