/**
 * Real-world shaped configs: what plugin READMEs and the Fluent Bit docs
 * tell users to write.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, lines, load, withoutKeySources } from './fixture.js';

describe('real-world configs', () => {
  it('calyptia/plugin README: fluent-bit.conf with plugins_file, and plugins.conf with a relative Path', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[SERVICE]',
        '    flush           1',
        '    log_level       debug',
        '    plugins_file    plugins.conf',
        '',
        '[INPUT]',
        '    Name go-test-input-plugin',
        '    Tag  test-input',
        '',
        '[OUTPUT]',
        '    Name  stdout',
        '    Match *',
      ),
      'plugins.conf': lines('[PLUGINS]', '    Path ./input.so'),
      'input.so': '',
    });
    const loaded = await load(dir);
    expect(withoutKeySources(loaded.config)).toEqual({
      service: { flush: 1, logLevel: 'debug' },
      plugins: [join(dir, 'input.so')],
      inputs: [{ name: 'go-test-input-plugin', source: `${join(dir, 'fluent-bit.conf')}:6`, properties: [['Tag', 'test-input']], expandEnv: false }],
      outputs: [{ name: 'stdout', source: `${join(dir, 'fluent-bit.conf')}:10`, properties: [['Match', '*']], expandEnv: false }],
      customs: [],
    });
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.conf'), join(dir, 'plugins.conf')]);
    expect(loaded.warnings).toEqual([]);
  });

  it('calyptia/plugin testdata: template and multiline values reach the plugin raw, for its own unquoting', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[SERVICE]',
        '    plugins_file plugins.conf',
        '[INPUT]',
        '    Name      go-test-input-plugin',
        '    Tag       test-input',
        '    foo       bar',
        String.raw`    tmpl      "{{print \"inside double quotes\"}}\nnew line"`,
        String.raw`    multiline foo\nbar`,
        '[OUTPUT]',
        '    Name  go-test-output-plugin',
        '    Match test-input',
      ),
      'plugins.conf': lines('[PLUGINS]', '    Path ./go-test-input-plugin.so', '    Path ./go-test-output-plugin.so'),
      'go-test-input-plugin.so': '',
      'go-test-output-plugin.so': '',
    });
    const loaded = await load(dir);
    expect(loaded.config.plugins).toEqual([join(dir, 'go-test-input-plugin.so'), join(dir, 'go-test-output-plugin.so')]);
    expect(loaded.config.inputs[0]!.properties).toEqual([
      ['Tag', 'test-input'],
      ['foo', 'bar'],
      ['tmpl', String.raw`"{{print \"inside double quotes\"}}\nnew line"`],
      ['multiline', String.raw`foo\nbar`],
    ]);
  });

  // `fluent-bit -e /path/out_gstdout.so -i cpu -o gstdout` is command-line only (flbhost's -e/-i/-o);
  // the docs' config-file form of the same Go output:
  it('Fluent Bit docs, Go output plugin: [SERVICE] Plugins_File + [OUTPUT] Name gstdout', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File plugins.conf', '', '[OUTPUT]', '    Name  gstdout', '    Match *'),
      'plugins.conf': lines('[PLUGINS]', '    Path ./out_gstdout.so'),
      'out_gstdout.so': '',
    });
    const loaded = await load(dir);
    expect(withoutKeySources(loaded.config)).toEqual({
      service: {},
      plugins: [join(dir, 'out_gstdout.so')],
      inputs: [],
      outputs: [{ name: 'gstdout', source: `${join(dir, 'fluent-bit.conf')}:4`, properties: [['Match', '*']], expandEnv: false }],
      customs: [],
    });
  });

  it('Fluent Bit docs, the same in YAML: top-level plugins: and pipeline.outputs', async () => {
    const dir = fixture({
      'fluent-bit.yaml': lines(
        'plugins:',
        '  - ./out_gstdout.so',
        '',
        'pipeline:',
        '  inputs:',
        '    - name: dummy',
        '      tag: dummy.local',
        '  outputs:',
        '    - name: gstdout',
        "      match: '*'",
      ),
      'out_gstdout.so': '',
    });
    const loaded = await load(dir, 'fluent-bit.yaml');
    expect(withoutKeySources(loaded.config)).toEqual({
      service: {},
      plugins: [join(dir, 'out_gstdout.so')],
      inputs: [{ name: 'dummy', source: `${join(dir, 'fluent-bit.yaml')}:6`, properties: [['tag', 'dummy.local']], expandEnv: false }],
      outputs: [{ name: 'gstdout', source: `${join(dir, 'fluent-bit.yaml')}:9`, properties: [['match', '*']], expandEnv: false }],
      customs: [],
    });
  });
});
