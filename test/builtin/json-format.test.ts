import { describe, expect, it } from 'vitest';
import { formatCDouble, formatG16 } from '../../src/builtin/c-double.js';
import { formatDate, readJsonDateOptions } from '../../src/builtin/json-date.js';
import { eventToJson, valueToJson } from '../../src/builtin/json-format.js';
import { PropertyReader } from '../../src/builtin/property-reader.js';
import { propertiesOf } from '../../src/engine/properties.js';
import { MsgpackExtension } from '../../src/events/decoder.js';
import { EventTime } from '../../src/events/event-time.js';
import { ConfigError } from '../../src/errors.js';

const TIME = new EventTime(1700000000, 123456789);

function reader(pairs: Array<[string, string]>): PropertyReader {
  return new PropertyReader({ name: 'out.0', properties: propertiesOf(pairs) });
}

describe('doubles in C notation', () => {
  it('prints %.16g for fractions and %.1f for whole numbers, like Fluent Bit', () => {
    expect(formatCDouble(1700000000.123456789)).toBe('1700000000.123457');
    expect(formatCDouble(1700000000)).toBe('1700000000.0');
    expect(formatCDouble(0)).toBe('0.0');
    expect(formatCDouble(-2)).toBe('-2.0');
    expect(formatG16(0.1)).toBe('0.1');
    expect(formatG16(3.14159)).toBe('3.14159');
    expect(formatG16(123456789.123456789)).toBe('123456789.1234568');
    expect(formatG16(0.0001)).toBe('0.0001');
    expect(formatG16(0.00001)).toBe('1e-05');
    expect(formatG16(-1.25e-7)).toBe('-1.25e-07');
    expect(formatG16(1.5e20)).toBe('1.5e+20');
    expect(formatG16(1e100)).toBe('1e+100');
  });

  it('rounds an exact tie to the even digit, as printf does (toExponential would round it up)', () => {
    expect(formatCDouble(1700000000.0078125)).toBe('1700000000.007812');
    expect(formatCDouble(1700000000.0234375)).toBe('1700000000.023438');
    expect(formatG16(3621767080164166.5)).toBe('3621767080164166');
  });
});

describe('date formats', () => {
  it('writes each json_date_format as Fluent Bit does (sub-seconds truncated)', () => {
    expect(formatDate(TIME, 'double')).toBe('1700000000.123457');
    expect(formatDate(TIME, 'epoch')).toBe('1700000000');
    expect(formatDate(TIME, 'epoch_ms')).toBe('1700000000123');
    expect(formatDate(TIME, 'iso8601')).toBe('"2023-11-14T22:13:20.123456Z"');
    expect(formatDate(TIME, 'java_sql_timestamp')).toBe('"2023-11-14 22:13:20.123456"');
    expect(formatDate(new EventTime(1700000000, 999), 'iso8601')).toBe('"2023-11-14T22:13:20.000000Z"');
  });

  it('reads json_date_key and json_date_format, with aliases and a way to turn the key off', () => {
    expect(readJsonDateOptions(reader([]))).toEqual({ dateKey: 'date', dateFormat: 'double' });
    expect(readJsonDateOptions(reader([['json_date_key', 'ts'], ['JSON_DATE_FORMAT', 'ISO8601']]))).toEqual({
      dateKey: 'ts',
      dateFormat: 'iso8601',
    });
    expect(readJsonDateOptions(reader([['json_date_key', 'false']])).dateKey).toBeUndefined();
    expect(readJsonDateOptions(reader([['json_date_key', 'Off']])).dateKey).toBeUndefined();
    expect(readJsonDateOptions(reader([['json_date_format', 'epoch_millis']])).dateFormat).toBe('epoch_ms');
    expect(() => readJsonDateOptions(reader([['json_date_format', 'rfc2822']]))).toThrow(ConfigError);
    expect(() => readJsonDateOptions(reader([['json_date_format', 'rfc2822']]))).toThrow(/^out\.0: json_date_format: 'rfc2822' is not one of/);
  });
});

describe('JSON text of decoded values', () => {
  it('writes compact JSON with the date key first', () => {
    const json = eventToJson({ time: TIME, record: { message: 'hi', n: 1, ok: true, none: null } }, { dateKey: 'date', dateFormat: 'double' });
    expect(json).toBe('{"date":1700000000.123457,"message":"hi","n":1,"ok":true,"none":null}');
  });

  it("lets the record's own key win over the date key, as Fluent Bit's duplicate-key rule does", () => {
    const json = eventToJson({ time: TIME, record: { a: 1, date: 'mine' } }, { dateKey: 'date', dateFormat: 'epoch' });
    expect(json).toBe('{"a":1,"date":"mine"}');
  });

  it('leaves the date out when the key is disabled', () => {
    expect(eventToJson({ time: TIME, record: { a: 1 } }, { dateKey: undefined, dateFormat: 'double' })).toBe('{"a":1}');
  });

  it('converts values JSON.stringify cannot take', () => {
    expect(valueToJson(18446744073709551615n, 'double')).toBe('18446744073709551615');
    expect(valueToJson(-9223372036854775808n, 'double')).toBe('-9223372036854775808');
    expect(valueToJson(Buffer.from('bytes ✓'), 'double')).toBe('"bytes ✓"');
    expect(valueToJson(new MsgpackExtension(5, Uint8Array.of(1, 2, 3)), 'double')).toBe('{"type":5,"data":"AQID"}');
    expect(valueToJson(TIME, 'iso8601')).toBe('"2023-11-14T22:13:20.123456Z"');
    expect(valueToJson(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), 'iso8601')).toBe('"2024-01-02T03:04:05.678000Z"');
    expect(valueToJson(NaN, 'double')).toBe('null');
    expect(valueToJson(Infinity, 'double')).toBe('null');
    expect(valueToJson(2.5, 'double')).toBe('2.5');
    expect(valueToJson({ nested: [1, 'two', { three: [null] }], 'quote"key': 'line\nbreak' }, 'double')).toBe(
      '{"nested":[1,"two",{"three":[null]}],"quote\\"key":"line\\nbreak"}',
    );
  });
});
