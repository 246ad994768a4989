/**
 * `require('flbhost')` in a real Node process, under Node 20's default where
 * require() cannot load an ES module (--no-experimental-require-module): the
 * "require" condition's bundle (dist/index.cjs, built from src/ like the ES
 * modules) exports what the ES entry does, finds the package root (its
 * version) and loads the addon.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

function node(args: string[]): string {
  const run = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim();
}

describe("require('flbhost')", () => {
  it('works without require(esm) and exports the same names as the ES module', () => {
    const fromCjs = JSON.parse(node(['-e', "console.log(JSON.stringify(Object.keys(require('flbhost')).sort()))"])) as string[];
    const fromEsm = JSON.parse(node(['--input-type=module', '-e', "console.log(JSON.stringify(Object.keys(await import('flbhost')).sort()))"])) as string[];
    expect(fromCjs).toEqual(fromEsm);
    expect(fromCjs).toContain('loadPlugin');
  });

  it('resolves to the CommonJS bundle, reads its version and loads the addon through it', () => {
    const script =
      "const f = require('flbhost'); const path = require.resolve('flbhost');" +
      "f.loadPlugin(process.argv[1]).then((lib) => { console.log(JSON.stringify({ path, name: lib.name, kind: lib.kind, version: require('flbhost/package.json').version })); process.exit(0); });";
    const report = JSON.parse(node(['-e', script, `${repoRoot}/build/plugins/out_jsonl.so`])) as Record<string, string>;
    expect(report.path).toMatch(/dist\/index\.cjs$/);
    expect(report).toMatchObject({ name: 'jsonl', kind: 'output' });
  });
});
