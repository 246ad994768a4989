import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { fixture, lines, load, loadError, withoutKeySources } from './fixture.js';

describe('YAML config', () => {
  it('reads env, includes, service, plugins, customs and pipeline inputs/outputs', async () => {
    const dir = fixture({
      'fluent-bit.yaml': lines(
        'env:',
        '  FLUSH_INTERVAL: 2',
        '  OUT: stdout',
        '',
        'includes:',
        '  - conf/outputs.yaml',
        '',
        'service:',
        '  flush: ${FLUSH_INTERVAL}',
        '  grace: 3',
        '  log_level: ${LEVEL}',
        '  parsers_file: parsers.yaml',
        '',
        'plugins:',
        '  - ./in_gdummy.so',
        '',
        'customs:',
        '  - name: calyptia',
        '    api_key: ${API_KEY}',
        '',
        'pipeline:',
        '  inputs:',
        '    - name: gdummy',
        '      tag: app',
        '      Mem_Buf_Limit: 5M',
        '    - name: dummy',
        '      alias: second',
        '  outputs:',
        '    - name: ${OUT}',
        '      match: "*"',
      ),
      'conf/outputs.yaml': lines('pipeline:', '  outputs:', '    - name: null', '      match: app'),
      'in_gdummy.so': '',
    });
    const loaded = await load(dir, 'fluent-bit.yaml', { env: { LEVEL: 'debug', API_KEY: 'k', FLUSH_INTERVAL: 'env-loses' } });
    const main = join(dir, 'fluent-bit.yaml');
    const outputs = join(dir, 'conf/outputs.yaml');
    expect(withoutKeySources(loaded.config)).toEqual({
      service: { flush: 2, grace: 3, logLevel: 'debug' },
      plugins: [join(dir, 'in_gdummy.so')],
      inputs: [
        { name: 'gdummy', source: `${main}:23`, properties: [['tag', 'app'], ['Mem_Buf_Limit', '5M']], expandEnv: false },
        { name: 'dummy', source: `${main}:26`, properties: [['alias', 'second']], expandEnv: false },
      ],
      outputs: [
        { name: 'null', source: `${outputs}:3`, properties: [['match', 'app']], expandEnv: false },
        { name: 'stdout', source: `${main}:29`, properties: [['match', '*']], expandEnv: false },
      ],
      customs: [{ name: 'calyptia', source: `${main}:18`, properties: [['api_key', 'k']], expandEnv: false }],
    });
    expect(loaded.files).toEqual([main, outputs]);
    expect(loaded.unsupportedServiceKeys).toEqual([{ key: 'parsers_file', value: 'parsers.yaml', source: `${main}:12` }]);
    expect(loaded.warnings).toEqual([`${main}:12: service key 'parsers_file' is not supported by flbhost; ignored`]);
  });

  it('turns scalars into the text Fluent Bit sees: plain as written, quoted and block decoded; lists repeat the key', async () => {
    const dir = fixture({
      'fluent-bit.yml': lines(
        'pipeline:',
        '  inputs:',
        '    - name: dummy',
        '      bool: true',
        '      off: false',
        '      Cap: True',
        '      yes: yes',
        '      float: 1.50',
        '      hex: 0x10',
        '      exp: 1e3',
        '      int: 007',
        '      nul: null',
        '      empty:',
        '      dq: "tab\\tand \\"quotes\\""',
        `      sq: 'it''s'`,
        '      raw: {{not a template}}x',
        '      block: |',
        '        line one',
        '        line two',
        '      header:',
        '        - X-One 1',
        '        - X-Two 2',
        '      anchored: &a shared',
        '      aliased: *a',
      ).replace('{{not a template}}x', '"{{print \\"x\\"}}"'),
    });
    const loaded = await load(dir, 'fluent-bit.yml');
    expect(loaded.config.inputs[0]!.properties).toEqual([
      ['bool', 'true'],
      ['off', 'false'],
      ['Cap', 'True'],
      ['yes', 'yes'],
      ['float', '1.50'],
      ['hex', '0x10'],
      ['exp', '1e3'],
      ['int', '007'],
      ['nul', 'null'],
      ['empty', ''],
      ['dq', 'tab\tand "quotes"'],
      ['sq', `it's`],
      ['raw', '{{print "x"}}'],
      ['block', 'line one\nline two\n'],
      ['header', 'X-One 1'],
      ['header', 'X-Two 2'],
      ['anchored', 'shared'],
      ['aliased', 'shared'],
    ]);
  });

  it('applies Fluent Bit\'s YAML key rule: camelCase becomes snake_case, other keys keep their spelling', async () => {
    const dir = fixture({
      'fluent-bit.yaml': lines(
        'service:',
        '  logLevel: error',
        'pipeline:',
        '  outputs:',
        '    - Name: stdout',
        '      Match: "*"',
        '      retryLimit: 3',
        '      Retry_Limit: 4',
        '      apiKey: x',
        '      APIKey: y',
        '      json_dateKey: z',
      ),
    });
    const loaded = await load(dir, 'fluent-bit.yaml');
    expect(loaded.config.service).toEqual({ logLevel: 'error' });
    expect(loaded.config.outputs[0]).toMatchObject({
      name: 'stdout',
      properties: [
        ['Match', '*'],
        ['retry_limit', '3'],
        ['Retry_Limit', '4'],
        ['api_key', 'x'],
        ['APIKey', 'y'],
        ['json_dateKey', 'z'],
      ],
    });
  });

  it('reads section names case-insensitively, and an empty file as an empty pipeline', async () => {
    const dir = fixture({ 'a.yaml': lines('Pipeline:', '  Inputs:', '    - Name: dummy'), 'b.yaml': '', 'c.yaml': '# only a comment\n' });
    expect((await load(dir, 'a.yaml')).config.inputs.map((i) => i.name)).toEqual(['dummy']);
    expect((await load(dir, 'b.yaml')).config).toEqual({ service: {}, plugins: [], inputs: [], outputs: [], customs: [] });
    expect((await load(dir, 'c.yaml')).config.inputs).toEqual([]);
  });

  it('expands ${VAR} from env:, then the environment; unset expands to nothing with a warning', async () => {
    const dir = fixture({
      'fluent-bit.yaml': lines(
        'env:',
        '  A: from-env-section',
        'pipeline:',
        '  inputs:',
        '    - name: dummy',
        '      a: ${A}',
        '      b: ${B}',
        '      c: ${C}',
        '      d: "${C:-default}"',
      ),
    });
    const loaded = await load(dir, 'fluent-bit.yaml', { env: { A: 'process', B: 'process-b' } });
    expect(loaded.config.inputs[0]!.properties).toEqual([
      ['a', 'from-env-section'],
      ['b', 'process-b'],
      ['c', ''],
      ['d', 'default'],
    ]);
    expect(loaded.warnings).toEqual([`${join(dir, 'fluent-bit.yaml')}:8: \${C} is not set; it expands to nothing`]);
  });

  it('reads service.plugins_file (classic or YAML plugins files) and relative plugins: paths', async () => {
    const dir = fixture({
      'fluent-bit.yaml': lines('service:', '  plugins_file: plugins.yaml', 'plugins:', '  - lib/out_b.so', 'pipeline:', '  outputs:', '    - name: b'),
      'plugins.yaml': lines('plugins:', '  - lib/out_a.so'),
      'lib/out_a.so': '',
      'lib/out_b.so': '',
    });
    const loaded = await load(dir, 'fluent-bit.yaml');
    expect(loaded.config.plugins).toEqual([join(dir, 'lib/out_a.so'), join(dir, 'lib/out_b.so')]);
    expect(loaded.files).toEqual([join(dir, 'fluent-bit.yaml'), join(dir, 'plugins.yaml')]);
  });

  it('includes relative to the including file, with globs, in place', async () => {
    const dir = fixture({
      'fluent-bit.yaml': lines('pipeline:', '  inputs:', '    - name: first', 'includes:', '  - conf.d/*.yaml', 'customs:', '  - name: last'),
      'conf.d/b.yaml': lines('pipeline:', '  inputs:', '    - name: b'),
      'conf.d/a.yaml': lines('includes:', '  - nested/n.yaml', 'pipeline:', '  inputs:', '    - name: a'),
      'conf.d/nested/n.yaml': lines('pipeline:', '  inputs:', '    - name: n'),
    });
    const loaded = await load(dir, 'fluent-bit.yaml');
    expect(loaded.config.inputs.map((i) => i.name)).toEqual(['first', 'n', 'a', 'b']);
    expect(loaded.config.customs.map((c) => c.name)).toEqual(['last']);
  });

  it('fails on missing includes, unmatched globs and cycles', async () => {
    const missing = fixture({ 'fluent-bit.yaml': lines('includes:', '  - nope.yaml') });
    expect((await loadError(missing, 'fluent-bit.yaml')).message).toBe(`${join(missing, 'fluent-bit.yaml')}:2: includes: cannot read 'nope.yaml': no such file`);
    const glob = fixture({ 'fluent-bit.yaml': lines('includes:', '  - conf.d/*.yaml') });
    expect((await loadError(glob, 'fluent-bit.yaml')).message).toBe(
      `${join(glob, 'fluent-bit.yaml')}:2: includes: 'conf.d/*.yaml' matches no file (looked in ${join(glob, 'conf.d')}/)`,
    );
    const cycle = fixture({ 'fluent-bit.yaml': lines('includes: [a.yaml]'), 'a.yaml': lines('includes:', '  - fluent-bit.yaml') });
    const main = join(cycle, 'fluent-bit.yaml');
    expect((await loadError(cycle, 'fluent-bit.yaml')).message).toBe(
      `${join(cycle, 'a.yaml')}:2: includes: 'fluent-bit.yaml' makes an include cycle: ${main} → ${join(cycle, 'a.yaml')} → ${main}`,
    );
  });

  it('fails on YAML syntax errors with the file and line', async () => {
    const dir = fixture({ 'fluent-bit.yaml': lines('pipeline:', '  inputs:', '    - name: dummy', '      tag: [unclosed') });
    expect((await loadError(dir, 'fluent-bit.yaml')).message).toMatch(new RegExp(`^${join(dir, 'fluent-bit.yaml')}:4: YAML syntax error: \\S`));
    const docs = fixture({ 'fluent-bit.yaml': lines('service:', '  flush: 1', '---', 'pipeline: {}') });
    expect((await loadError(docs, 'fluent-bit.yaml')).message).toBe(
      `${join(docs, 'fluent-bit.yaml')}:3: YAML syntax error: a config file holds one YAML document; found another '---'`,
    );
    const tabs = fixture({ 'fluent-bit.yaml': 'service:\n  flush: 1\n\tlog_level: info\n' });
    expect((await loadError(tabs, 'fluent-bit.yaml')).message).toMatch(new RegExp(`^${join(tabs, 'fluent-bit.yaml')}:3: YAML syntax error: `));
  });

  describe('fails on what flbhost does not support, naming file, line and key', () => {
    const cases: Array<[string, string[], number, string]> = [
      ['parsers', ['service:', '  flush: 1', 'parsers:', '  - name: json'], 3, `parsers: not supported by flbhost (parsers are not implemented)`],
      ['multiline_parsers', ['multiline_parsers: []'], 1, `multiline_parsers: not supported by flbhost (parsers are not implemented)`],
      ['upstream_servers', ['upstream_servers: []'], 1, `upstream_servers: not supported by flbhost (upstream servers are not implemented)`],
      ['stream_processor', ['stream_processor: []'], 1, `stream_processor: not supported by flbhost (stream processing is not implemented)`],
      ['an unknown top-level key', ['pipelines: {}'], 1, `pipelines: unknown top-level key (flbhost reads env, includes, service, pipeline, plugins and customs)`],
      ['pipeline.filters', ['pipeline:', '  inputs: []', '  filters:', '    - name: grep'], 3, `pipeline.filters: filters are not supported by flbhost (it runs inputs and outputs; filters are not implemented)`],
      ['an unknown pipeline key', ['pipeline:', '  input: []'], 2, `pipeline.input: unknown key in pipeline (expected inputs or outputs)`],
      ['processors', ['pipeline:', '  inputs:', '    - name: dummy', '      processors:', '        logs: []'], 4, `processors: processors are not supported by flbhost`],
      ['routes', ['pipeline:', '  inputs:', '    - name: dummy', '      routes:', '        logs: []'], 4, `routes: conditional routing is not supported by flbhost (route with tag and match)`],
      ['a nested map', ['pipeline:', '  outputs:', '    - name: stdout', '      tls:', '        verify: off'], 4, `tls: nested maps are not supported by flbhost (give a single value or a list)`],
      ['a nested list element', ['pipeline:', '  outputs:', '    - name: stdout', '      header:', '        - [a, b]'], 5, `header: expected a single value, not a list or map`],
      ['a missing name', ['pipeline:', '  outputs:', '    - match: "*"'], 3, `pipeline.outputs[0]: Name is missing (the plugin to run)`],
      ['an instance that is not a map', ['pipeline:', '  outputs:', '    - stdout'], 3, `pipeline.outputs[0]: expected a map of keys and values`],
      ['inputs that are not a list', ['pipeline:', '  inputs:', '    name: dummy'], 3, `pipeline.inputs: expected a list (- item)`],
      ['a nested service value', ['service:', '  flush: 1', '  telemetry:', '    x: 1'], 4, `service.telemetry: expected a single value, not a list or map`],
      ['a bad service value', ['service:', '  log_level: loud'], 2, `log_level: 'loud' is not a log level (off, error, warn, info, debug, trace)`],
      ['a top level that is not a map', ['- name: dummy'], 1, `a Fluent Bit YAML config is a map of sections (env, includes, service, pipeline, plugins, customs)`],
      ['a missing plugin', ['plugins:', '  - ./nope.so'], 2, `plugins: plugin './nope.so' does not exist (looked for {dir}/nope.so)`],
    ];
    for (const [what, text, line, message] of cases) {
      it(what, async () => {
        const dir = fixture({ 'fluent-bit.yaml': lines(...text) });
        const error = await loadError(dir, 'fluent-bit.yaml');
        expect(error.message).toBe(`${join(dir, 'fluent-bit.yaml')}:${line}: ${message.replace('{dir}', dir)}`);
      });
    }
  });

  it('chooses the format by extension (.yaml, .yml, anything else is classic)', async () => {
    const dir = fixture({
      'a.YML': lines('pipeline:', '  inputs:', '    - name: dummy'),
      'b.cfg': lines('[INPUT]', '    Name dummy'),
    });
    expect((await loadConfigFile(join(dir, 'a.YML'), { env: {} })).config.inputs.map((i) => i.name)).toEqual(['dummy']);
    expect((await loadConfigFile(join(dir, 'b.cfg'), { env: {} })).config.inputs.map((i) => i.name)).toEqual(['dummy']);
  });
});
