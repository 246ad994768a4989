import { describe, expect, it } from 'vitest';
import { expandEnv, isReservedKey, prepareProperties } from '../../src/plan/properties.js';

describe('properties', () => {
  it('expands ${ENV}, and an unset variable to nothing (reporting it)', () => {
    const missing: string[] = [];
    expect(expandEnv('${HOST}:${PORT}/${NOPE}x', { HOST: 'h', PORT: '1' }, (n) => missing.push(n))).toBe('h:1/x');
    expect(missing).toEqual(['NOPE']);
  });

  it("keeps Fluent Bit's reserved output keys from the plugin, whatever their case", () => {
    for (const key of ['Match', 'match_regex', 'Alias', 'log_level', 'Retry_Limit', 'workers', 'Host', 'port', 'net.keepalive', 'tls.verify', 'storage.total_limit_size']) {
      expect(isReservedKey('output', key)).toBe(true);
    }
    expect(isReservedKey('output', 'path')).toBe(false);
    expect(isReservedKey('output', 'tag')).toBe(false);
    expect(isReservedKey('input', 'tag')).toBe(true);
    expect(isReservedKey('input', 'Mem_Buf_Limit')).toBe(true);
  });

  it('splits visible and reserved properties, stringifies and drops empty expansions', () => {
    const prepared = prepareProperties('output', { Path: '/x', Workers: 2, Debug: true, Empty: '${UNSET_FOR_TEST}', match: '*' }, { env: {} });
    expect(prepared.visible).toEqual([
      ['Path', '/x'],
      ['Debug', 'true'],
    ]);
    expect(prepared.reserved).toEqual([
      ['Workers', '2'],
      ['match', '*'],
    ]);
  });

  it('keeps repeated keys in order when given as pairs', () => {
    expect(prepareProperties('output', [['k', 'a'], ['K', 'b']]).visible).toEqual([
      ['k', 'a'],
      ['K', 'b'],
    ]);
  });

  it('refuses values that are not strings, numbers or booleans, naming the key', () => {
    expect(() => prepareProperties('output', { nested: {} as never })).toThrow(/property 'nested' must be a string, number or boolean; got object/);
    expect(() => prepareProperties('output', [['', 'x']])).toThrow(/non-empty strings/);
  });
});

describe('${NAME:-default} in properties given to the library API', () => {
  it('takes the default when the variable is unset or empty, as config files do', () => {
    const env = { EMPTY: '', SET: 'value' };
    const { visible } = prepareProperties('output', { a: '${UNSET_X:-fallback}', b: '${EMPTY:-e}', c: '${SET:-no}', d: 'x${UNSET_X:-}y' }, { env });
    expect(visible).toEqual([
      ['a', 'fallback'],
      ['b', 'e'],
      ['c', 'value'],
      ['d', 'xy'],
    ]);
  });
});
