import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { fixture, lines, load, loadError, withoutKeySources } from './fixture.js';

describe('classic config: sections and keys', () => {
  it('reads [SERVICE], several [INPUT]s and [OUTPUT]s, with repeated keys kept in order', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[SERVICE]',
        '    Flush        2',
        '    Grace        10',
        '    Log_Level    debug',
        '    scheduler.base 3',
        '    scheduler.cap  60',
        '',
        '[INPUT]',
        '    Name   dummy',
        '    Tag    app.one',
        '    Dummy  {"a": 1}',
        '',
        '[INPUT]',
        '    Name          dummy',
        '    Alias         second',
        '    Mem_Buf_Limit 5M',
        '',
        '[OUTPUT]',
        '    Name        stdout',
        '    Match       app.*',
        '    Retry_Limit no_limits',
        '    Workers     2',
        '',
        '[OUTPUT]',
        '    Name    http',
        '    Match   *',
        '    Header  X-One 1',
        '    Header  X-Two 2',
        '    header  X-Three 3',
        '    Log_Level warn',
      ),
    });
    const loaded = await load(dir);
    const file = join(dir, 'fluent-bit.conf');
    expect(withoutKeySources(loaded.config)).toEqual({
      service: { flush: 2, grace: 10, logLevel: 'debug', schedulerBase: 3, schedulerCap: 60 },
      plugins: [],
      inputs: [
        { name: 'dummy', source: `${file}:8`, properties: [['Tag', 'app.one'], ['Dummy', '{"a": 1}']], expandEnv: false },
        { name: 'dummy', source: `${file}:13`, properties: [['Alias', 'second'], ['Mem_Buf_Limit', '5M']], expandEnv: false },
      ],
      outputs: [
        {
          name: 'stdout',
          source: `${file}:18`,
          properties: [['Match', 'app.*'], ['Retry_Limit', 'no_limits'], ['Workers', '2']],
          expandEnv: false,
        },
        {
          name: 'http',
          source: `${file}:24`,
          properties: [
            ['Match', '*'],
            ['Header', 'X-One 1'],
            ['Header', 'X-Two 2'],
            ['header', 'X-Three 3'],
            ['Log_Level', 'warn'],
          ],
          expandEnv: false,
        },
      ],
      customs: [],
    });
    expect(loaded.files).toEqual([file]);
    expect(loaded.warnings).toEqual([]);
  });

  it('passes values through raw: quotes, backslashes, braces, # and inner spaces untouched', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[INPUT]',
        '    Name      go-test-input-plugin',
        String.raw`    tmpl      "{{print \"inside double quotes\"}}\nnew line"`,
        String.raw`    multiline foo\nbar`,
        String.raw`    Path      C:\logs\*.log`,
        `    Quoted    'single'   `,
        '    Regex     ^#\\s+(?<x>[a-z]+)$',
        '    Spaced    a   b\tc',
        '    Env       $HOME and $(not) ${',
      ),
    });
    const loaded = await load(dir);
    expect(loaded.config.inputs[0]!.properties).toEqual([
      ['tmpl', String.raw`"{{print \"inside double quotes\"}}\nnew line"`],
      ['multiline', String.raw`foo\nbar`],
      ['Path', String.raw`C:\logs\*.log`],
      ['Quoted', `'single'`],
      ['Regex', '^#\\s+(?<x>[a-z]+)$'],
      ['Spaced', 'a   b\tc'],
      ['Env', '$HOME and $(not) ${'],
    ]);
  });

  it('skips comments and blank lines, including indented comments and commented-out sections', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '# a comment',
        '   # an indented comment before any section',
        '',
        '[OUTPUT]',
        '    # inside a section',
        '    Name stdout',
        '#   Match nothing',
        '    Match *',
        '',
        '#[OUTPUT]',
        '#    Name file',
      ),
    });
    const loaded = await load(dir);
    expect(withoutKeySources(loaded.config.outputs)).toEqual([{ name: 'stdout', source: `${join(dir, 'fluent-bit.conf')}:4`, properties: [['Match', '*']], expandEnv: false }]);
  });

  it('is lenient on indentation (tabs, 2 spaces, mixed) and reads CRLF files', async () => {
    const dir = fixture({
      'fluent-bit.conf': '[INPUT]\r\n\tName dummy\r\n  Tag a\r\n        Rate 3\r\n[OUTPUT]\r\n Name\tstdout\r\n Match\t*\r\n',
    });
    const loaded = await load(dir);
    expect(loaded.config.inputs[0]).toMatchObject({ name: 'dummy', properties: [['Tag', 'a'], ['Rate', '3']] });
    expect(loaded.config.outputs[0]).toMatchObject({ name: 'stdout', properties: [['Match', '*']] });
  });

  it('reads section names case-insensitively (and the plural forms Fluent Bit accepts); merges [SERVICE]s, last key wins', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[service]',
        '    Flush 1',
        '    Log_Level info',
        '[Inputs]   # Fluent Bit ignores what follows the ]',
        '    name dummy',
        '[Service]',
        '    flush 5',
        '[output]',
        '    NAME stdout',
        '[CUSTOMS]',
        '    Name calyptia',
        '    api_key abc',
      ),
    });
    const loaded = await load(dir);
    expect(loaded.config.service).toEqual({ flush: 5, logLevel: 'info' });
    expect(loaded.config.inputs.map((i) => i.name)).toEqual(['dummy']);
    expect(loaded.config.outputs.map((o) => o.name)).toEqual(['stdout']);
    expect(withoutKeySources(loaded.config.customs)).toEqual([{ name: 'calyptia', source: `${join(dir, 'fluent-bit.conf')}:10`, properties: [['api_key', 'abc']], expandEnv: false }]);
  });

  it('reads an empty file as an empty pipeline', async () => {
    const dir = fixture({ 'fluent-bit.conf': '' });
    const loaded = await load(dir);
    expect(loaded.config).toEqual({ service: {}, plugins: [], inputs: [], outputs: [], customs: [] });
  });

  it('accepts "warning" for Log_Level, reads the storage keys, and keeps every unsupported [SERVICE] key as a warning', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[SERVICE]',
        '    Log_Level    Warning',
        '    Hot_Reload   On',
        '    Parsers_File parsers.conf',
        '    storage.path /var/lib/fb',
        '    storage.sync full',
        '    storage.trim_files on',
      ),
    });
    const loaded = await load(dir);
    const file = join(dir, 'fluent-bit.conf');
    expect(loaded.config.service).toEqual({ logLevel: 'warn', hotReload: true, storagePath: '/var/lib/fb', storageSync: 'full' });
    expect(loaded.unsupportedServiceKeys).toEqual([
      { key: 'Parsers_File', value: 'parsers.conf', source: `${file}:4` },
      { key: 'storage.trim_files', value: 'on', source: `${file}:7` },
    ]);
    expect(loaded.warnings).toEqual([
      `${file}:4: service key 'Parsers_File' is not supported by flbhost; ignored`,
      `${file}:7: service key 'storage.trim_files' is not supported by flbhost; ignored`,
    ]);
  });

  it('refuses a bad storage.sync with its line', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    storage.sync sometimes') });
    await expect(load(dir)).rejects.toThrow(`${join(dir, 'fluent-bit.conf')}:2: storage.sync: must be 'normal' or 'full'; got 'sometimes'`);
  });

  it('names files relative to the working directory when they are inside it', async () => {
    const dir = fixture({ 'conf/fluent-bit.conf': lines('[SERVICE]', '    Log_Level loud') });
    const error = await loadConfigFile('conf/fluent-bit.conf', { cwd: dir, env: {} }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`conf/fluent-bit.conf:2: Log_Level: 'loud' is not a log level (off, error, warn, info, debug, trace)`);
    const missing = await loadConfigFile('conf/ok.conf', { cwd: dir, env: {} }).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(`cannot read config file 'conf/ok.conf': no such file`);
  });
});

describe('classic config: @INCLUDE', () => {
  it('includes files relative to the including file, in place, keeping the includer\'s current section', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[SERVICE]',
        '    Flush 1',
        '@INCLUDE conf.d/inputs.conf',
        '    Grace 7',
        '[OUTPUT]',
        '    Name stdout',
      ),
      'conf.d/inputs.conf': lines('[INPUT]', '    Name dummy', '@INCLUDE more.conf'),
      'conf.d/more.conf': lines('[INPUT]', '    Name stdin'),
    });
    const loaded = await load(dir);
    expect(loaded.config.service).toEqual({ flush: 1, grace: 7 });
    expect(withoutKeySources(loaded.config.inputs)).toEqual([
      { name: 'dummy', source: `${join(dir, 'conf.d/inputs.conf')}:1`, properties: [], expandEnv: false },
      { name: 'stdin', source: `${join(dir, 'conf.d/more.conf')}:1`, properties: [], expandEnv: false },
    ]);
    expect(loaded.config.outputs.map((o) => o.name)).toEqual(['stdout']);
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.conf'), join(dir, 'conf.d/inputs.conf'), join(dir, 'conf.d/more.conf')]);
  });

  it('falls back to the main file\'s directory, where Fluent Bit resolves includes', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@INCLUDE conf.d/a.conf'),
      'conf.d/a.conf': lines('@INCLUDE conf.d/b.conf'),
      'conf.d/b.conf': lines('[INPUT]', '    Name dummy'),
    });
    const loaded = await load(dir);
    expect(loaded.config.inputs.map((i) => i.source)).toEqual([`${join(dir, 'conf.d/b.conf')}:1`]);
  });

  it('includes absolute paths', async () => {
    const other = fixture({ 'out.conf': lines('[OUTPUT]', '    Name stdout') });
    const dir = fixture({ 'fluent-bit.conf': lines(`@INCLUDE ${join(other, 'out.conf')}`) });
    expect((await load(dir)).config.outputs.map((o) => o.name)).toEqual(['stdout']);
  });

  it('expands a * in the file name to the matching files, in sorted order (no hidden files, no directories)', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@include conf.d/*.conf', '[OUTPUT]', '    Name stdout'),
      'conf.d/b.conf': lines('[INPUT]', '    Name b'),
      'conf.d/a.conf': lines('[INPUT]', '    Name a'),
      'conf.d/c.conf': lines('[INPUT]', '    Name c'),
      'conf.d/.hidden.conf': lines('[INPUT]', '    Name hidden'),
      'conf.d/d.conf.bak': lines('[INPUT]', '    Name bak'),
    });
    mkdirSync(join(dir, 'conf.d/dir.conf'));
    const loaded = await load(dir);
    expect(loaded.config.inputs.map((i) => i.name)).toEqual(['a', 'b', 'c']);
    expect(loaded.files.slice(1)).toEqual(['a', 'b', 'c'].map((n) => join(dir, `conf.d/${n}.conf`)));
  });

  it('fails when a glob matches nothing, or has a wildcard in a directory', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('# x', '@INCLUDE conf.d/*.conf') });
    expect((await loadError(dir)).message).toBe(
      `${join(dir, 'fluent-bit.conf')}:2: @INCLUDE 'conf.d/*.conf' matches no file (looked in ${join(dir, 'conf.d')}/)`,
    );
    const dir2 = fixture({ 'fluent-bit.conf': lines('@INCLUDE */x.conf') });
    expect((await loadError(dir2)).message).toBe(
      `${join(dir2, 'fluent-bit.conf')}:1: @INCLUDE '*/x.conf': wildcards are supported in the file name only, not in directories`,
    );
  });

  it('fails on a missing include, naming the including file and line', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Flush 1', '@INCLUDE nope.conf') });
    expect((await loadError(dir)).message).toBe(`${join(dir, 'fluent-bit.conf')}:3: @INCLUDE cannot read 'nope.conf': no such file`);
    const dir2 = fixture({ 'fluent-bit.conf': lines('@INCLUDE') });
    expect((await loadError(dir2)).message).toBe(`${join(dir2, 'fluent-bit.conf')}:1: @INCLUDE needs a file name`);
  });

  it('fails on include cycles, naming the files', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@INCLUDE a.conf'),
      'a.conf': lines('[INPUT]', '    Name dummy', '@INCLUDE b.conf'),
      'b.conf': lines('@INCLUDE a.conf'),
    });
    const a = join(dir, 'a.conf');
    const b = join(dir, 'b.conf');
    expect((await loadError(dir)).message).toBe(`${b}:1: @INCLUDE 'a.conf' makes an include cycle: ${a} → ${b} → ${a}`);

    const self = fixture({ 'fluent-bit.conf': lines('', '@INCLUDE fluent-bit.conf') });
    const main = join(self, 'fluent-bit.conf');
    expect((await loadError(self)).message).toBe(`${main}:2: @INCLUDE 'fluent-bit.conf' makes an include cycle: ${main} → ${main}`);
  });

  it('fails when a file is included twice (Fluent Bit reads each file once)', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@INCLUDE a.conf', '@INCLUDE b.conf'),
      'a.conf': lines('@INCLUDE common.conf'),
      'b.conf': lines('@INCLUDE common.conf'),
      'common.conf': lines('[OUTPUT]', '    Name stdout'),
    });
    expect((await loadError(dir)).message).toBe(
      `${join(dir, 'b.conf')}:1: @INCLUDE 'common.conf': ${join(dir, 'common.conf')} is already included (at ${join(dir, 'a.conf')}:1); Fluent Bit reads a file only once`,
    );
  });
});

describe('classic config: @SET and ${VAR}', () => {
  it('expands @SET variables, then the environment; unset expands to nothing with a warning', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '@SET TAG=from-set',
        '@SET  SPACED = a b ',
        '[SERVICE]',
        '    Flush ${FLUSH}',
        '    Log_Level ${LEVEL}',
        '[INPUT]',
        '    Name ${INPUT}',
        '    Tag  ${TAG}',
        '    Both ${SPACED}/${HOME_DIR}/${MISSING}/${MISSING}',
        '    Gone ${ALSO_MISSING}',
        '    Default ${MISSING:-fallback} ${EMPTY:-was-empty} ${TAG:-unused}',
      ),
    });
    const env = { FLUSH: '3', LEVEL: 'trace', INPUT: 'dummy', TAG: 'from-env', HOME_DIR: '/home/me', EMPTY: '' };
    const loaded = await load(dir, 'fluent-bit.conf', { env });
    const file = join(dir, 'fluent-bit.conf');
    expect(loaded.config.service).toEqual({ flush: 3, logLevel: 'trace' });
    expect(withoutKeySources(loaded.config.inputs)).toEqual([
      {
        name: 'dummy',
        source: `${file}:6`,
        properties: [
          ['Tag', 'from-set'],
          ['Both', 'a b//home/me//'],
          ['Gone', ''],
          ['Default', 'fallback was-empty from-set'],
        ],
        expandEnv: false,
      },
    ]);
    expect(loaded.warnings).toEqual([
      `${file}:9: \${MISSING} is not set; it expands to nothing`,
      `${file}:10: \${ALSO_MISSING} is not set; it expands to nothing`,
    ]);
  });

  it('applies every @SET, wherever it is (included files too, later lines too; the last one wins), as Fluent Bit does', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@SET A=first', '[INPUT]', '    Name dummy', '    A ${A}', '    B ${B}', '@INCLUDE vars.conf', '@SET A=last'),
      'vars.conf': lines('@SET B=from-include'),
    });
    const loaded = await load(dir, 'fluent-bit.conf', { env: { A: 'env', B: 'env' } });
    expect(loaded.config.inputs[0]!.properties).toEqual([
      ['A', 'last'],
      ['B', 'from-include'],
    ]);
  });

  it('uses process.env by default', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('[INPUT]', '    Name dummy', '    P ${FLBHOST_CONFIG_TEST_VAR}') });
    process.env.FLBHOST_CONFIG_TEST_VAR = 'from-process';
    try {
      const loaded = await loadConfigFile(join(dir, 'fluent-bit.conf'));
      expect(loaded.config.inputs[0]!.properties).toEqual([['P', 'from-process']]);
    } finally {
      delete process.env.FLBHOST_CONFIG_TEST_VAR;
    }
  });

  it('fails on a malformed @SET and warns about unknown @commands', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('@SET novalue') });
    expect((await loadError(dir)).message).toBe(`${join(dir, 'fluent-bit.conf')}:1: @SET expects KEY=VALUE; got 'novalue'`);
    const dir2 = fixture({ 'fluent-bit.conf': lines('@SET =x') });
    expect((await loadError(dir2)).message).toBe(`${join(dir2, 'fluent-bit.conf')}:1: @SET expects KEY=VALUE; got '=x'`);
    const dir3 = fixture({ 'fluent-bit.conf': lines('@UNSET X', '@') });
    expect((await load(dir3)).warnings).toEqual([
      `${join(dir3, 'fluent-bit.conf')}:1: @UNSET is not a Fluent Bit command (@INCLUDE, @SET); ignored`,
      `${join(dir3, 'fluent-bit.conf')}:2: @ is not a Fluent Bit command (@INCLUDE, @SET); ignored`,
    ]);
  });
});

describe('classic config: Plugins_File', () => {
  it('resolves a relative Plugins_File against the config file\'s directory', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File plugins.conf', '[OUTPUT]', '    Name gstdout', '    Match *'),
      'plugins.conf': lines('[PLUGINS]', '    Path ./out_gstdout.so'),
      'out_gstdout.so': 'not really an ELF file',
    });
    const loaded = await load(dir);
    expect(loaded.config.plugins).toEqual([join(dir, 'out_gstdout.so')]);
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.conf'), join(dir, 'plugins.conf')]);
  });

  it('prefers a relative Plugins_File that exists relative to the working directory (Fluent Bit\'s rule)', async () => {
    const cwd = fixture({ 'plugins.conf': lines('[PLUGINS]', '    Path in_cwd.so'), 'in_cwd.so': '' });
    const dir = fixture({
      'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File plugins.conf'),
      'plugins.conf': lines('[PLUGINS]', '    Path beside.so'),
      'beside.so': '',
    });
    const loaded = await load(dir, 'fluent-bit.conf', { cwd });
    expect(loaded.config.plugins).toEqual([join(cwd, 'in_cwd.so')]);
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.conf'), join(cwd, 'plugins.conf')]);
  });

  it('is resolved against the main config file\'s directory even when set in an included file', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('@INCLUDE conf.d/service.conf'),
      'conf.d/service.conf': lines('[SERVICE]', '    plugins_file plugins.conf'),
      'plugins.conf': lines('[PLUGINS]', '    Path x.so'),
      'x.so': '',
    });
    expect((await load(dir)).config.plugins).toEqual([join(dir, 'x.so')]);
  });

  it('expands variables in Plugins_File and takes absolute paths as they are; loads every Plugins_File given', async () => {
    const plugins = fixture({ 'one.conf': lines('[PLUGINS]', '    Path a.so'), 'two.conf': lines('[PLUGINS]', '    Path b.so'), 'a.so': '', 'b.so': '' });
    const dir = fixture({
      'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File ${PLUGINS_DIR}/one.conf', `    Plugins_File ${join(plugins, 'two.conf')}`),
    });
    const loaded = await load(dir, 'fluent-bit.conf', { env: { PLUGINS_DIR: plugins } });
    expect(loaded.config.plugins).toEqual([join(plugins, 'a.so'), join(plugins, 'b.so')]);
  });

  it('fails on a missing plugins file, naming the key and where it looked', async () => {
    const cwd = fixture();
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Flush 1', '    Plugins_File plugins.conf') });
    expect((await loadError(dir, 'fluent-bit.conf', { cwd })).message).toBe(
      `${join(dir, 'fluent-bit.conf')}:3: Plugins_File: cannot read 'plugins.conf': no such file (looked for ${join(cwd, 'plugins.conf')} and ${join(dir, 'plugins.conf')})`,
    );
    const dir2 = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File /nonexistent/plugins.conf') });
    expect((await loadError(dir2)).message).toBe(`${join(dir2, 'fluent-bit.conf')}:2: Plugins_File: cannot read '/nonexistent/plugins.conf': no such file`);
    const dir3 = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File ${NOPE}') });
    expect((await loadError(dir3)).message).toBe(`${join(dir3, 'fluent-bit.conf')}:2: Plugins_File: the value is empty`);
  });
});

describe('classic config: errors name the file and line', () => {
  const cases: Array<[string, string[], number, string]> = [
    ['an unknown Log_Level', ['[SERVICE]', '    Flush 1', '    Log_Level loud'], 3, `Log_Level: 'loud' is not a log level (off, error, warn, info, debug, trace)`],
    ['a bad Flush', ['[SERVICE]', '    Flush soon'], 2, `Flush: 'soon' is not a number of seconds more than 0 (e.g. 1, 0.5)`],
    ['a zero Flush', ['[SERVICE]', '    Flush 0'], 2, `Flush: '0' is not a number of seconds more than 0 (e.g. 1, 0.5)`],
    ['a bad Grace', ['[SERVICE]', '    Grace -5'], 2, `Grace: '-5' is not a number of seconds (or -1: wait until everything is delivered)`],
    ['a bad scheduler.cap', ['[SERVICE]', '    scheduler.cap x'], 2, `scheduler.cap: 'x' is not a number of seconds more than 0`],
    ['a [FILTER]', ['[SERVICE]', '    Flush 1', '', '[FILTER]', '    Name grep'], 4, `[FILTER] sections are not supported by flbhost (it runs inputs and outputs; filters are not implemented)`],
    ['a [PARSER]', ['[PARSER]', '    Name json'], 1, `[PARSER] sections are not supported by flbhost (parsers are not implemented; Fluent Bit itself only accepts them in a Parsers_File)`],
    ['a [MULTILINE_PARSER]', ['[MULTILINE_PARSER]'], 1, `[MULTILINE_PARSER] sections are not supported by flbhost (parsers are not implemented; Fluent Bit itself only accepts them in a Parsers_File)`],
    ['a [STREAM_TASK]', ['[STREAM_TASK]'], 1, `[STREAM_TASK] sections are not supported by flbhost (stream processing is not implemented)`],
    ['a [PLUGINS] in the main file', ['[PLUGINS]', '    Path /x.so'], 1, `[PLUGINS] sections are only valid in a plugins file: move it to its own file and name that file with [SERVICE] Plugins_File`],
    ['an unknown section', ['[INPUT]', '    Name dummy', '[UPSTREAM]'], 3, `unknown section [UPSTREAM]: flbhost reads [SERVICE], [INPUT], [OUTPUT] and [CUSTOM]`],
    ['a header without ]', ['[INPUT'], 1, `'[INPUT' is not a section header: the closing ']' is missing`],
    ['an empty header', ['[ ]'], 1, `'[ ]': the section has no name`],
    ['a key that is not indented', ['[INPUT]', 'Name dummy'], 2, `'Name dummy' is not indented: keys must be indented under their [SECTION] header`],
    ['a key before any section', ['Name dummy'], 1, `'Name dummy' is outside any section: keys must be indented under a [SECTION] header`],
    ['an indented key before any section', ['    Name dummy'], 1, `'Name dummy' is outside any section: keys must be indented under a [SECTION] header`],
    ['a key without a value', ['[INPUT]', '    Name dummy', '    Tag   '], 3, `Tag: the key has no value`],
    ['a group inside a section', ['[INPUT]', '    Name dummy', '    [PROCESSORS]'], 3, `'[PROCESSORS]': groups inside a section are not supported by flbhost (section headers start at the beginning of a line)`],
    ['an instance without Name', ['[INPUT]', '    Tag x', '[OUTPUT]'], 1, `[INPUT]: Name is missing (the plugin to run)`],
    ['an instance with two Names', ['[OUTPUT]', '    Name stdout', '    Match *', '    name null'], 4, `name: given twice in [OUTPUT] (first at line 2)`],
    ['a Name that expands to nothing', ['[OUTPUT]', '    Name ${NOPE}'], 2, `Name: '\${NOPE}' expands to nothing`],
  ];
  for (const [what, text, line, message] of cases) {
    it(`fails on ${what}`, async () => {
      const dir = fixture({ 'fluent-bit.conf': lines(...text) });
      const error = await loadError(dir);
      expect(error.message).toBe(`${join(dir, 'fluent-bit.conf')}:${line}: ${message}`);
      expect(error.code).toBe('ERR_CONFIG');
    });
  }

  it('names the included file and its own line', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Flush 1', '@INCLUDE bad.conf'), 'bad.conf': lines('', '[FILTER]') });
    expect((await loadError(dir)).message).toMatch(new RegExp(`^${join(dir, 'bad.conf')}:2: \\[FILTER\\] sections are not supported`));
  });

  it('fails on a main config file that cannot be read', async () => {
    const dir = fixture();
    await expect(loadConfigFile(join(dir, 'x.conf'))).rejects.toThrow(new ConfigError(`cannot read config file '${join(dir, 'x.conf')}': no such file`));
    await expect(loadConfigFile(dir)).rejects.toThrow(`cannot read config file '${dir}': is a directory`);
    if (process.getuid?.() !== 0) {
      const locked = fixture({ 'locked.conf': '[INPUT]\n' });
      chmodSync(join(locked, 'locked.conf'), 0o000);
      await expect(loadConfigFile(join(locked, 'locked.conf'))).rejects.toThrow(`cannot read config file '${join(locked, 'locked.conf')}': permission denied`);
    }
  });
});

describe('classic config: where each key was written', () => {
  it('keeps the file:line of every instance key, so errors about a key point at its line', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines('[INPUT]', '    Name dummy', '    Tag  a', '@INCLUDE more.conf'),
      'more.conf': lines('[OUTPUT]', '    Name  null', '', '    Match *'),
    });
    const loaded = await load(dir);
    expect(loaded.config.inputs[0]!.propertySources).toEqual([`${join(dir, 'fluent-bit.conf')}:3`]);
    expect(loaded.config.outputs[0]!.propertySources).toEqual([`${join(dir, 'more.conf')}:4`]);
  });
});
