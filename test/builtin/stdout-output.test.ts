import { describe, expect, it } from 'vitest';
import { stdoutOutput, stdoutOutputFactory } from '../../src/builtin/stdout-output.js';
import type { OutputChunk, OutputPlugin } from '../../src/engine/plugin-api.js';
import { validateChunk } from '../../src/events/chunk.js';
import { decodeChunk } from '../../src/events/decoder.js';
import { ConfigError } from '../../src/errors.js';
import { EventTime } from '../../src/events/event-time.js';
import { CollectingWritable, outputChunk, outputContext } from './plugin-harness.js';

const TIME = new EventTime(1700000000, 123456789);
const EVENTS = [
  { time: TIME, record: { message: 'first', n: 1 } },
  { time: new EventTime(1700000001, 0), record: { message: 'second', nested: { ok: true } } },
];

/** The encoder writes no EventTime inside records; Go plugins do (ext type 0): built by hand. */
function chunkWithTimeInRecord(): OutputChunk {
  const time = [0xd7, 0x00, ...u32(TIME.seconds), ...u32(TIME.nanoseconds)];
  const data = Uint8Array.from([0x92, ...time, 0x81, 0xa4, ...Buffer.from('when'), ...time]);
  const chunk = validateChunk(data);
  return { tag: 'app.log', chunk, records: chunk.events, events: () => decodeChunk(chunk.data, 'app.log').events, pieces: () => [chunk.data] };
}

function u32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

async function stdoutWith(pairs: Array<[string, string]>, stream = new CollectingWritable()) {
  const plugin = (await stdoutOutput({ stream }).create({})) as OutputPlugin;
  const { ctx, logs } = outputContext(pairs, 'stdout.0');
  await plugin.init?.(ctx);
  return { plugin, ctx, logs, stream };
}

describe('stdout output', () => {
  it('is a factory named stdout that makes a fresh instance each time', async () => {
    expect(stdoutOutputFactory.kind).toBe('output');
    expect(stdoutOutputFactory.name).toBe('stdout');
    expect(await stdoutOutputFactory.create({})).not.toBe(await stdoutOutputFactory.create({}));
  });

  it('writes JSON lines by default, date key first as a C double', async () => {
    const { plugin, ctx, stream } = await stdoutWith([]);
    expect(await plugin.flush(outputChunk(EVENTS), ctx)).toBe('ok');
    expect(stream.text).toBe(
      '{"date":1700000000.123457,"message":"first","n":1}\n' + '{"date":1700000001.0,"message":"second","nested":{"ok":true}}\n',
    );
  });

  it('writes one JSON array per chunk with format json', async () => {
    const { plugin, ctx, stream } = await stdoutWith([['format', 'json'], ['json_date_format', 'epoch']]);
    await plugin.flush(outputChunk(EVENTS), ctx);
    expect(stream.text).toBe('[{"date":1700000000,"message":"first","n":1},{"date":1700000001,"message":"second","nested":{"ok":true}}]\n');
  });

  it('writes concatenated objects with format json_stream', async () => {
    const { plugin, ctx, stream } = await stdoutWith([['format', 'json_stream'], ['json_date_key', 'off']]);
    await plugin.flush(outputChunk(EVENTS), ctx);
    expect(stream.text).toBe('{"message":"first","n":1}{"message":"second","nested":{"ok":true}}\n');
  });

  it('honours json_date_key and each json_date_format', async () => {
    const cases: Array<[string, string]> = [
      ['double', '1700000000.123457'],
      ['epoch', '1700000000'],
      ['epoch_ms', '1700000000123'],
      ['iso8601', '"2023-11-14T22:13:20.123456Z"'],
      ['java_sql_timestamp', '"2023-11-14 22:13:20.123456"'],
    ];
    for (const [format, written] of cases) {
      const { plugin, ctx, stream } = await stdoutWith([['json_date_key', '@timestamp'], ['json_date_format', format]]);
      await plugin.flush(outputChunk([EVENTS[0]!]), ctx);
      expect(stream.text).toBe(`{"@timestamp":${written},"message":"first","n":1}\n`);
    }
  });

  it('turns bytes, 64-bit integers and times inside records into JSON', async () => {
    const { plugin, ctx, stream } = await stdoutWith([['json_date_format', 'iso8601']]);
    const record = { bin: Buffer.from('héllo'), big: 2n ** 64n - 1n, list: [1.5, 'x', null] };
    await plugin.flush(outputChunk([{ time: TIME, record }]), ctx);
    await plugin.flush(chunkWithTimeInRecord(), ctx);
    expect(stream.text).toBe(
      '{"date":"2023-11-14T22:13:20.123456Z","bin":"héllo","big":18446744073709551615,"list":[1.5,"x",null]}\n' +
        '{"date":"2023-11-14T22:13:20.123456Z","when":"2023-11-14T22:13:20.123456Z"}\n',
    );
  });

  it('writes the chunk bytes unchanged with format msgpack', async () => {
    const { plugin, ctx, stream } = await stdoutWith([['format', 'msgpack']]);
    const chunk = outputChunk(EVENTS);
    await plugin.flush(chunk, ctx);
    expect(stream.bytes.equals(Buffer.from(chunk.chunk.data))).toBe(true);
  });

  it('writes nothing for an empty chunk', async () => {
    const { plugin, ctx, stream } = await stdoutWith([]);
    expect(await plugin.flush(outputChunk([]), ctx)).toBe('ok');
    expect(stream.writes).toBe(0);
  });

  it('does not settle a flush before a slow stream has taken the data and drained', async () => {
    const stream = new CollectingWritable({ highWaterMark: 1, delayMs: 60 });
    const { plugin, ctx } = await stdoutWith([], stream);
    let settled = false;
    const flushing = Promise.resolve(plugin.flush(outputChunk(EVENTS), ctx)).then((result) => {
      settled = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    expect(stream.writableNeedDrain).toBe(true);
    expect(await flushing).toBe('ok');
    expect(stream.writableLength).toBe(0);
    expect(stream.writableNeedDrain).toBe(false);
    expect(stream.text.split('\n')).toHaveLength(3);
  });

  it('answers retry and logs when the stream fails, without an unhandled error event', async () => {
    const stream = new CollectingWritable({ fail: Object.assign(new Error('no space left'), { code: 'ENOSPC' }) });
    const { plugin, ctx, logs } = await stdoutWith([], stream);
    expect(await plugin.flush(outputChunk(EVENTS), ctx)).toBe('retry');
    expect(logs.some((line) => line.level === 50 && line.msg.includes('no space left'))).toBe(true);
    await plugin.exit?.();
    expect(stream.listenerCount('error')).toBe(0);
  });

  it('discards and answers ok once the reader has gone (EPIPE), as Fluent Bit does, saying so once at debug level', async () => {
    const stream = new CollectingWritable({ fail: Object.assign(new Error('broken pipe'), { code: 'EPIPE' }) });
    const { plugin, ctx, logs } = await stdoutWith([], stream);
    expect(await plugin.flush(outputChunk(EVENTS), ctx)).toBe('ok');
    expect(await plugin.flush(outputChunk(EVENTS), ctx)).toBe('ok');
    expect(logs.filter((line) => line.level >= 40)).toEqual([]);
    expect(logs.filter((line) => line.level === 20 && line.msg.includes('standard output was closed (EPIPE)'))).toHaveLength(1);
    await plugin.exit?.();
  });

  it('refuses an unknown format naming the instance and key', async () => {
    await expect(stdoutWith([['format', 'yaml']])).rejects.toThrow(ConfigError);
    await expect(stdoutWith([['format', 'yaml']])).rejects.toThrow(/^stdout\.0: format: 'yaml' is not one of json_lines, json, json_stream, msgpack$/);
  });
});
