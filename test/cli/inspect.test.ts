import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { cPlugin, repoRoot } from '../helpers/paths.js';

const bin = join(repoRoot, 'bin', 'flbhost.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('flbhost inspect', () => {
  it('prints name, type, description and exported symbols of a C plugin', () => {
    const result = run('inspect', cPlugin('out_trace'));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^name: +trace$/m);
    expect(result.stdout).toMatch(/^type: +output$/m);
    expect(result.stdout).toMatch(/^description: +\S/m);
    for (const symbol of ['FLBPluginPreRegister', 'FLBPluginFlushCtx', 'FLBPluginOutputPreRun', 'FLBPluginOutputPreExit', 'FLBPluginUnregister']) {
      expect(result.stdout).toContain(`  ${symbol}\n`);
    }
    expect(result.stdout).toMatch(/^go: +not a Go binary$/m);
  });

  it('prints the Go toolchain and module versions of a Go plugin, as JSON too', () => {
    const plugin = inject('goPlugins').out_gjsonl!;
    const text = run('inspect', plugin);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^go: +go1\.\d+/m);
    expect(text.stdout).toMatch(/^ {2}dep github\.com\/fluent\/fluent-bit-go v0\.0\.0-\d{14}-[0-9a-f]{12}$/m);

    const json = run('inspect', plugin, '--json');
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as { name: string; type: string; exports: string[]; go: { goVersion: string; deps: Array<{ path: string }> } };
    expect(report).toMatchObject({ name: 'gjsonl', type: 'output' });
    expect(report.exports).toEqual(['FLBPluginRegister', 'FLBPluginUnregister', 'FLBPluginInit', 'FLBPluginFlushCtx', 'FLBPluginExitCtx']);
    expect(report.go.deps.some((d) => d.path === 'github.com/fluent/fluent-bit-go')).toBe(true);
  });

  it('exits 1 with the reason when the plugin cannot load', () => {
    const result = run('inspect', cPlugin('broken_no_flush'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`flbhost: cannot load plugin ${cPlugin('broken_no_flush')}: an output plugin must export FLBPluginFlush or FLBPluginFlushCtx`);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on a bad command line, 0 for --help and --version', () => {
    expect(run('inspect').status).toBe(2);
    expect(run('inspect', 'a.so', 'b.so').stderr).toMatch(/expected exactly one PLUGIN\.so/);
    expect(run('--bogus').status).toBe(2);
    expect(run('--help').status).toBe(0);
    const version = run('-V');
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^flbhost v\d+\.\d+\.\d+\n$/);
  });
});
