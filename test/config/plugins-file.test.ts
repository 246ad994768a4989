import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, lines, load, loadError } from './fixture.js';

/** A config whose [SERVICE] names `pluginsFile`. */
function withPluginsFile(pluginsFile: string, files: Record<string, string>): string {
  return fixture({ 'fluent-bit.conf': lines('[SERVICE]', `    Plugins_File ${pluginsFile}`), ...files });
}

describe('classic plugins files', () => {
  it('reads every Path of every [PLUGINS] section (case-insensitive), relative to the plugins file', async () => {
    const abs = fixture({ 'abs.so': '' });
    const dir = withPluginsFile('plugins/plugins.conf', {
      'plugins/plugins.conf': lines(
        '# Go plugins',
        '[PLUGINS]',
        '    Path ./out_one.so',
        '    path lib/in_two.so',
        '',
        '[plugins]',
        `    PATH ${join(abs, 'abs.so')}`,
      ),
      'plugins/out_one.so': '',
      'plugins/lib/in_two.so': '',
    });
    const loaded = await load(dir);
    expect(loaded.config.plugins).toEqual([join(dir, 'plugins/out_one.so'), join(dir, 'plugins/lib/in_two.so'), join(abs, 'abs.so')]);
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.conf'), join(dir, 'plugins/plugins.conf')]);
    expect(loaded.warnings).toEqual([]);
  });

  it('ignores other keys and @commands with a warning, and lists a plugin named twice once', async () => {
    const dir = withPluginsFile('plugins.conf', {
      'plugins.conf': lines('[PLUGINS]', '    Path a.so', '    Name a', '    Path ./a.so', '@SET X=1'),
      'a.so': '',
    });
    const loaded = await load(dir);
    const file = join(dir, 'plugins.conf');
    expect(loaded.config.plugins).toEqual([join(dir, 'a.so')]);
    expect(loaded.warnings).toEqual([
      `${file}:3: [PLUGINS] Name: only Path keys are read in a plugins file; ignored`,
      `${file}:5: @SET is not read in a plugins file; ignored`,
      `${file}:4: Path: ./a.so is already loaded (${file}:2); listed once`,
    ]);
  });

  it('falls back to the working directory for a .so that is not beside the plugins file (where dlopen looks)', async () => {
    const cwd = fixture({ 'lib/in_cwd.so': '' });
    const dir = withPluginsFile('plugins.conf', { 'plugins.conf': lines('[PLUGINS]', '    Path lib/in_cwd.so') });
    expect((await load(dir, 'fluent-bit.conf', { cwd })).config.plugins).toEqual([join(cwd, 'lib/in_cwd.so')]);
  });

  it('expands ${VAR} in paths with the main config\'s variables', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@SET LIB=lib', '[SERVICE]', '    Plugins_File plugins.conf'),
      'plugins.conf': lines('[PLUGINS]', '    Path ${LIB}/x.so'),
      'lib/x.so': '',
    });
    expect((await load(dir)).config.plugins).toEqual([join(dir, 'lib/x.so')]);
  });

  it('fails on a missing .so, another section, or a key outside [PLUGINS]', async () => {
    const missing = withPluginsFile('plugins.conf', { 'plugins.conf': lines('[PLUGINS]', '    Path ./nope.so') });
    expect((await loadError(missing)).message).toBe(
      `${join(missing, 'plugins.conf')}:2: Path: plugin './nope.so' does not exist (looked for ${join(missing, 'nope.so')})`,
    );
    const section = withPluginsFile('plugins.conf', { 'plugins.conf': lines('[PLUGINS]', '    Path a.so', '[INPUT]', '    Name dummy') });
    expect((await loadError(section)).message).toBe(
      `${join(section, 'plugins.conf')}:3: [INPUT] is not valid in a plugins file: it holds [PLUGINS] sections with Path keys`,
    );
    const outside = withPluginsFile('plugins.conf', { 'plugins.conf': lines('Path a.so') });
    expect((await loadError(outside)).message).toBe(
      `${join(outside, 'plugins.conf')}:1: 'Path a.so' is outside any section: keys must be indented under a [SECTION] header`,
    );
  });
});

describe('YAML plugins files', () => {
  it('reads a top-level plugins: list, relative to the plugins file', async () => {
    const dir = withPluginsFile('plugins.yaml', {
      'plugins.yaml': lines('plugins:', '  - ./out_gstdout.so', '  - "lib/in gdummy.so"'),
      'out_gstdout.so': '',
      'lib/in gdummy.so': '',
    });
    const loaded = await load(dir);
    expect(loaded.config.plugins).toEqual([join(dir, 'out_gstdout.so'), join(dir, 'lib/in gdummy.so')]);
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.conf'), join(dir, 'plugins.yaml')]);
  });

  it('accepts an empty file and an empty list', async () => {
    expect((await load(withPluginsFile('p.yml', { 'p.yml': '' }))).config.plugins).toEqual([]);
    expect((await load(withPluginsFile('p.yml', { 'p.yml': 'plugins:\n' }))).config.plugins).toEqual([]);
  });

  it('fails on anything else, with the file and line', async () => {
    const cases: Array<[string, number, string]> = [
      [lines('plugins:', '  - a.so', 'pipeline:', '  inputs: []'), 3, `pipeline: not valid in a plugins file, which holds a top-level 'plugins:' list of .so paths`],
      [lines('plugins: /x.so'), 1, `plugins: expected a list of .so paths (- /path/to/plugin.so)`],
      [lines('plugins:', '  - [a.so]'), 2, `plugins: expected a .so path`],
      [lines('- a.so'), 1, `a YAML plugins file holds a top-level 'plugins:' list of .so paths`],
    ];
    for (const [text, line, message] of cases) {
      const dir = withPluginsFile('plugins.yaml', { 'plugins.yaml': text, 'a.so': '' });
      expect((await loadError(dir)).message).toBe(`${join(dir, 'plugins.yaml')}:${line}: ${message}`);
    }
    const bad = withPluginsFile('plugins.yaml', { 'plugins.yaml': lines('plugins:', '  - a.so', ' - b.so') });
    expect((await loadError(bad)).message).toMatch(new RegExp(`^${join(bad, 'plugins.yaml')}:3: YAML syntax error: \\S`));
  });
});
