/**
 * How installed plugins are named (name@version.so), the default version,
 * and the Plugins_Dir service key in each configuration form.
 */
import { describe, expect, it } from 'vitest';
import { checkPluginId, defaultVersion, nameFromSourceFile, parsePluginFileName, pluginFileName } from '../../src/plugins/naming.js';
import { PluginStoreError } from '../../src/plugins/store-error.js';
import { planService } from '../../src/plan/service.js';
import type { GoBuildInfo } from '../../src/proxy/go-buildinfo.js';
import { fixture, lines, load, loadError } from '../config/fixture.js';

function refusal(run: () => unknown): PluginStoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PluginStoreError);
    return error as PluginStoreError;
  }
  throw new Error('expected a refusal');
}

function goInfo(version: string): GoBuildInfo {
  return { format: 'inline-strings', goVersion: 'go1.22.5', path: 'example.com/out_loki', main: { path: 'example.com/out_loki', version }, deps: [], settings: {} };
}

describe('plugin file names', () => {
  it('are name@version.so, read back into their parts', () => {
    expect(pluginFileName('out_loki', 'v2.9.1')).toBe('out_loki@v2.9.1.so');
    expect(parsePluginFileName('out_loki@v2.9.1.so')).toEqual({ id: 'out_loki@v2.9.1', name: 'out_loki', version: 'v2.9.1' });
    expect(parsePluginFileName('hand_copied.so')).toEqual({ id: 'hand_copied', name: 'hand_copied', version: null });
    // Installs in progress are never plugins.
    expect(parsePluginFileName('.install-1234.so')).toBeUndefined();
  });

  it.each([
    ['../x', /starts with '\.'/],
    ['.hidden', /starts with '\.'/],
    ['a/b', /may only hold letters/],
    ['', /empty/],
    ['flb-out_x', /Fluent Bit native DSO/],
    ['a@b', /may only hold letters/],
  ])('refuses the name %j (400)', (name, reason) => {
    const error = refusal(() => pluginFileName(name, 'v1'));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(reason);
  });

  it('refuses unsafe versions and ids, and over-long ones', () => {
    expect(refusal(() => pluginFileName('out_x', '../v1')).message).toMatch(/version '\.\.\/v1' is refused/);
    expect(refusal(() => pluginFileName('out_x', 'v1+dirty')).status).toBe(400);
    expect(refusal(() => checkPluginId('out_x@')).message).toMatch(/version after @ is empty/);
    expect(refusal(() => checkPluginId('../etc/passwd')).status).toBe(400);
    expect(refusal(() => pluginFileName('a'.repeat(120), 'v'.repeat(100))).message).toMatch(/longer than 200/);
    expect(checkPluginId('out_x@v1.so')).toEqual({ id: 'out_x@v1', name: 'out_x', version: 'v1' });
  });

  it('takes name and version from a source file name', () => {
    expect(nameFromSourceFile('out_loki.so')).toEqual({ name: 'out_loki' });
    expect(nameFromSourceFile('out_loki@v2.9.1.so')).toEqual({ name: 'out_loki', version: 'v2.9.1' });
    expect(nameFromSourceFile('.hidden.so')).toEqual({ name: '.hidden.so' });
  });

  it('defaults the version to a Go module release or pseudo-version, else a content hash', () => {
    const sha = 'ab'.repeat(32);
    expect(defaultVersion(goInfo('v2.9.1'), sha)).toBe('v2.9.1');
    expect(defaultVersion(goInfo('v0.0.0-20240101120000-abcdef123456'), sha)).toBe('v0.0.0-20240101120000-abcdef123456');
    expect(defaultVersion(goInfo('(devel)'), sha)).toBe('sha256-abababababab');
    expect(defaultVersion(goInfo('v1.2.3+dirty'), sha)).toBe('sha256-abababababab');
    expect(defaultVersion(null, sha)).toBe('sha256-abababababab');
  });
});

describe('[SERVICE] Plugins_Dir', () => {
  it('is read from a classic config, from YAML, and from the library API; unset by default', async () => {
    const classic = await load(fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Plugins_Dir /var/lib/flbhost/plugins') }));
    expect(classic.config.service).toEqual({ pluginsDir: '/var/lib/flbhost/plugins' });
    expect(classic.warnings).toEqual([]);
    const yaml = await load(fixture({ 'fluent-bit.yaml': lines('service:', '  plugins_dir: ./plugins') }), 'fluent-bit.yaml');
    expect(yaml.config.service).toEqual({ pluginsDir: './plugins' });
    expect(planService({ pluginsDir: '/srv/plugins' }).pluginsDir).toBe('/srv/plugins');
    expect(planService().pluginsDir).toBeUndefined();
  });

  it('refuses an empty value with file:line', async () => {
    const error = await loadError(fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Plugins_Dir ${NOT_SET}') }));
    expect(error.message).toMatch(/fluent-bit\.conf:2: Plugins_Dir: the value is empty/);
  });
});
