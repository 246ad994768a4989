/**
 * Loading probes: a .so is loaded and registered in a child process before
 * flbhost or a service loads it, so one whose Register crashes, whose Go
 * init() panics, or that is truncated is a clear load error (exit 1 for
 * the command), never the end of the process that asked.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadPlugin, PluginError } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const goPlugins = inject('goPlugins');
const dir = tempDir();

/** The first third of a real plugin: an ELF header that promises segments the file does not have. */
function truncatedCopy(): string {
  const path = join(dir, 'out_jsonl_truncated.so');
  const whole = readFileSync(cPlugin('out_jsonl'));
  writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 3)));
  return path;
}

describe('loading probes', () => {
  it('loadPlugin rejects a .so whose Register segfaults, naming the signal and what it wrote, and this process lives on', async () => {
    const error = await loadPlugin(cPlugin('broken_register_crash')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).phase).toBe('load');
    expect((error as Error).message).toContain(`cannot load plugin ${cPlugin('broken_register_crash')}: the plugin crashed while being loaded and registered`);
    expect((error as Error).message).toContain('killed by SIGSEGV');
    expect((error as Error).message).toContain('broken: crashing on purpose');
  });

  it('loadPlugin rejects a Go plugin whose package init() panics, with the panic message', async () => {
    // Its own copy: a probe of the same file that succeeded is remembered.
    const copy = join(dir, 'out_gpanic_init.so');
    copyFileSync(goPlugins.out_gpanic!, copy);
    process.env.GPANIC_IN_INIT = '1';
    try {
      const error = await loadPlugin(copy).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginError);
      expect((error as Error).message).toContain('panic: gpanic: package init panics on purpose');
    } finally {
      delete process.env.GPANIC_IN_INIT;
    }
  });

  it('loadPlugin rejects a truncated .so with a load error', async () => {
    const error = await loadPlugin(truncatedCopy()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).phase).toBe('load');
  });

  it('flbhost inspect exits 1 on a .so whose Register crashes, with the reason', () => {
    const result = runCli(['inspect', cPlugin('broken_register_crash')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the plugin crashed while being loaded and registered');
    expect(result.stderr).toContain('killed by SIGSEGV');
    expect(result.stdout).toBe('');
  });

  it('flbhost --dry-run exits 1 on a config whose plugin crashes in Register', () => {
    const plugins = join(dir, 'plugins.conf');
    writeFileSync(plugins, `[PLUGINS]\n    Path ${cPlugin('broken_register_crash')}\n`);
    const conf = join(dir, 'crash.conf');
    writeFileSync(conf, `[SERVICE]\n    Plugins_File ${plugins}\n[INPUT]\n    Name dummy\n    Samples 1\n[OUTPUT]\n    Name null\n    Match *\n`);
    const result = runCli(['-c', conf, '--dry-run']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('killed by SIGSEGV');
  });

  it('flbhost -e on a Go plugin whose init() panics exits 1 and says so', () => {
    const copy = join(dir, 'out_gpanic_cli.so');
    copyFileSync(goPlugins.out_gpanic!, copy);
    const result = runCli(['-e', copy, '-i', 'dummy', '-p', 'samples=1', '-o', 'gpanic', '--dry-run'], {
      env: { ...process.env, GPANIC_IN_INIT: '1' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('panic: gpanic: package init panics on purpose');
  });
});
