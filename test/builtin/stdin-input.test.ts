import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdinInput, stdinInput, stdinInputFactory } from '../../src/builtin/stdin-input.js';
import type { InputPlugin } from '../../src/engine/plugin-api.js';
import { ConfigError } from '../../src/errors.js';
import { decodeChunk } from '../../src/events/decoder.js';
import { encodeChunk } from '../../src/events/encoder.js';
import { EventTime } from '../../src/events/event-time.js';
import { waitFor } from '../helpers/wait.js';
import { inputContext, sleep } from './plugin-harness.js';

async function startStdin(pairs: Array<[string, string]> = [], chunkSize?: number) {
  const stream = new PassThrough();
  const plugin = (await stdinInput({ stream }).create({})) as StdinInput;
  const harness = inputContext(pairs, 'stdin.0', chunkSize);
  await plugin.init(harness.ctx);
  plugin.start(harness.ctx);
  return { plugin, stream, ...harness };
}

const WARN = 40;

describe('stdin input', () => {
  it('is a factory named stdin; the default reads process.stdin', async () => {
    expect(stdinInputFactory).toMatchObject({ kind: 'input', name: 'stdin' });
    const plugin = (await stdinInputFactory.create({})) as InputPlugin;
    expect(plugin.name).toBe('stdin');
  });

  it('reads JSON lines, one batch per data chunk, and ends at EOF', async () => {
    const { stream, sink } = await startStdin([['format', 'json']]);
    stream.write('{"a":1}\n{"b":"two"}\n\n{"c":[3]}\n');
    await waitFor(() => sink.batches.length === 1);
    expect(sink.batches[0]!.map((event) => event.record)).toEqual([{ a: 1 }, { b: 'two' }, { c: [3] }]);
    // Stamped "now" when parsed.
    const seconds = (sink.batches[0]![0]!.time as EventTime).seconds;
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5);
    expect(sink.ended).toBe(0);
    stream.end();
    await waitFor(() => sink.ended === 1);
  });

  it('keeps the exact time of [time, record] and the metadata of [[time, metadata], record]', async () => {
    const { stream, sink } = await startStdin([['format', 'json']]);
    stream.end(
      [
        '[1700000000.123456789, {"msg":"float"}]',
        '[1700000000, {"msg":"int"}]',
        '[1700000000.5, {"msg":"half"}]',
        '[[1700000001.000000001, {"source":"x"}], {"msg":"v2"}]',
        '[1.7e9, {"msg":"exponent"}]',
      ].join('\n'),
    );
    await waitFor(() => sink.ended === 1);
    expect(sink.all).toEqual([
      { time: new EventTime(1700000000, 123456789), record: { msg: 'float' } },
      { time: new EventTime(1700000000, 0), record: { msg: 'int' } },
      { time: new EventTime(1700000000, 500000000), record: { msg: 'half' } },
      { time: new EventTime(1700000001, 1), metadata: { source: 'x' }, record: { msg: 'v2' } },
      { time: new EventTime(1700000000, 0), record: { msg: 'exponent' } },
    ]);
  });

  it('skips lines that are not events, warning with the line number, and counts them', async () => {
    const { plugin, stream, sink, logs } = await startStdin([['format', 'json']]);
    stream.end('{"ok":1}\nnot json\n\n42\n[1,2]\n[-5, {"neg":true}]\n{"ok":2}\n');
    await waitFor(() => sink.ended === 1);
    expect(sink.all.map((event) => event.record)).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(plugin.skipped).toBe(4);
    const warnings = logs.filter((line) => line.level === WARN);
    expect(warnings.map((line) => line.line)).toEqual([2, 4, 5, 6]);
    expect(warnings[0]!.msg).toMatch(/^line 2: .*; skipped$/);
  });

  it('parses a large batch off the JS thread, pausing the stream meanwhile, in order', async () => {
    const { stream, sink, plugin } = await startStdin([['format', 'json']]);
    const big = Array.from({ length: 4000 }, (_, i) => `{"i":${i},"pad":"${'p'.repeat(60)}"}`).join('\n') + '\n'; // ~290 KB: one batch
    stream.write(big);
    expect(stream.isPaused()).toBe(true);
    stream.write('{"i":4000}\nbad\n');
    stream.end('{"i":4001}\n');
    await waitFor(() => sink.ended === 1);
    expect(sink.all.map((event) => (event.record as { i: number }).i)).toEqual(Array.from({ length: 4002 }, (_, i) => i));
    expect(plugin.skipped).toBe(1);
  });

  it('reassembles lines split anywhere, even inside a UTF-8 character', async () => {
    const { stream, sink } = await startStdin([['format', 'json']]);
    const bytes = Buffer.from('{"word":"héllo wörld"}\n{"n":2}\r\n{"last":"no newline"}');
    for (const byte of bytes) stream.write(Buffer.of(byte));
    stream.end();
    await waitFor(() => sink.ended === 1);
    expect(sink.all.map((event) => event.record)).toEqual([{ word: 'héllo wörld' }, { n: 2 }, { last: 'no newline' }]);
  });

  it('skips a line longer than buffer_size', async () => {
    const { plugin, stream, sink, logs } = await startStdin([['format', 'json'], ['buffer_size', '32']]);
    stream.write('{"short":1}\n{"long":"');
    stream.write('x'.repeat(100));
    stream.end('"}\n{"short":2}\n');
    await waitFor(() => sink.ended === 1);
    expect(sink.all.map((event) => event.record)).toEqual([{ short: 1 }, { short: 2 }]);
    expect(plugin.skipped).toBe(1);
    expect(logs.some((line) => line.msg.startsWith('line 2: longer than 32 bytes'))).toBe(true);
  });

  it('passes a MessagePack stream fed byte by byte on in whole values, byte-exact', async () => {
    const { stream, sink } = await startStdin([['format', 'msgpack']]);
    const events = Array.from({ length: 50 }, (_, i) => ({
      time: new EventTime(1700000000 + i, i),
      record: { i, text: 'x'.repeat(i * 7), nested: { list: [i, 'y'] } },
    }));
    const data = Buffer.from(encodeChunk(events).data);
    for (const byte of data) stream.write(Buffer.of(byte));
    stream.end();
    await waitFor(() => sink.ended === 1);
    expect(sink.rawBytes.equals(data)).toBe(true);
    expect(sink.rawBatches.length).toBeGreaterThan(1);
    for (const batch of sink.rawBatches) expect(decodeChunk(batch, 't').failure).toBeUndefined();
    expect(decodeChunk(sink.rawBytes, 't').events).toHaveLength(50);
  });

  it('passes MessagePack split at many boundaries', async () => {
    const data = Buffer.from(encodeChunk([{ time: new EventTime(1, 2), record: { a: 'b'.repeat(300), n: 2 ** 40 } }]).data);
    for (let cut = 1; cut < data.length; cut += 7) {
      const { stream, sink } = await startStdin([['format', 'msgpack']]);
      stream.write(data.subarray(0, cut));
      stream.end(data.subarray(cut));
      await waitFor(() => sink.ended === 1);
      expect(sink.rawBytes.equals(data)).toBe(true);
    }
  });

  it("hands MessagePack over in runs of whole values no larger than the engine's chunk size", async () => {
    const { stream, sink } = await startStdin([['format', 'msgpack']], 200);
    const small = Array.from({ length: 40 }, (_, i) => ({ time: new EventTime(1, i), record: { i } }));
    const big = { time: new EventTime(2, 0), record: { big: 'z'.repeat(500) } };
    const data = Buffer.from(encodeChunk([...small, big, ...small]).data);
    stream.end(data);
    await waitFor(() => sink.ended === 1);
    expect(sink.rawBytes.equals(data)).toBe(true);
    expect(sink.rawBatches.length).toBeGreaterThan(3);
    for (const run of sink.rawBatches) {
      const { events, failure } = decodeChunk(run, 't');
      expect(failure).toBeUndefined();
      if (events.length > 1) expect(run.length).toBeLessThanOrEqual(200);
    }
  });

  it('detects JSON or MessagePack from the first non-blank byte', async () => {
    const json = await startStdin();
    json.stream.write('\ufeff  \n');
    json.stream.write('\n');
    await sleep(10);
    json.stream.end(' {"auto":"json"}\nbad\n');
    await waitFor(() => json.sink.ended === 1);
    expect(json.sink.all.map((event) => event.record)).toEqual([{ auto: 'json' }]);
    expect(json.logs.find((line) => line.level === WARN)?.line).toBe(4); // blank lines before still count

    const array = await startStdin([['format', 'auto']]);
    array.stream.end('[1700000000, {"auto":"array"}]\n');
    await waitFor(() => array.sink.ended === 1);
    expect(array.sink.all[0]!.time).toEqual(new EventTime(1700000000, 0));

    const msgpack = await startStdin();
    const data = Buffer.from(encodeChunk([{ time: new EventTime(5, 6), record: { auto: 'msgpack' } }]).data);
    msgpack.stream.end(data);
    await waitFor(() => msgpack.sink.ended === 1);
    expect(msgpack.sink.rawBytes.equals(data)).toBe(true);
    expect(msgpack.sink.all).toHaveLength(0);
  });

  it('pauses the stream when the sink says so and flows again on resume()', async () => {
    const { plugin, stream, sink } = await startStdin([['format', 'json']]);
    sink.accepting = false;
    stream.write('{"n":1}\n');
    await waitFor(() => sink.batches.length === 1);
    expect(stream.isPaused()).toBe(true);
    stream.write('{"n":2}\n');
    await sleep(30);
    expect(sink.batches).toHaveLength(1); // held in the stream, not read
    expect(stream.readableLength).toBeGreaterThan(0);
    sink.accepting = true;
    plugin.resume?.();
    await waitFor(() => sink.batches.length === 2);
    expect(sink.all.map((event) => event.record)).toEqual([{ n: 1 }, { n: 2 }]);
    stream.end();
    await waitFor(() => sink.ended === 1);
  });

  it('stops reading while paused by the engine', async () => {
    const { plugin, stream, sink } = await startStdin([['format', 'json']]);
    plugin.pause?.();
    stream.write('{"n":1}\n');
    await sleep(30);
    expect(sink.batches).toHaveLength(0);
    plugin.resume?.();
    await waitFor(() => sink.batches.length === 1);
  });

  it('hands over the values before corrupt MessagePack, logs the offset, and drops the rest', async () => {
    const { stream, sink, logs } = await startStdin([['format', 'msgpack']]);
    const good = Buffer.from(encodeChunk([{ time: new EventTime(1, 0), record: { good: true } }]).data);
    stream.write(Buffer.concat([good, Buffer.of(0xc1, 0x92)]));
    stream.end(good);
    await waitFor(() => sink.ended === 1);
    expect(sink.rawBytes.equals(good)).toBe(true);
    expect(logs.some((line) => line.level === 50 && line.msg.includes(`corrupt at byte ${good.length}`))).toBe(true);
  });

  it('warns about an incomplete MessagePack value at the end of the input', async () => {
    const { stream, sink, logs } = await startStdin([['format', 'msgpack']]);
    const data = Buffer.from(encodeChunk([{ time: new EventTime(1, 0), record: { a: 1 } }]).data);
    stream.end(Buffer.concat([data, data.subarray(0, 5)]));
    await waitFor(() => sink.ended === 1);
    expect(sink.rawBytes.equals(data)).toBe(true);
    expect(logs.some((line) => line.level === WARN && line.msg.includes('5 byte(s) were dropped'))).toBe(true);
  });

  it('reads a stream that delivers strings', async () => {
    const { stream, sink } = await startStdin();
    stream.setEncoding('utf8');
    stream.end('{"text":"ünïcode"}\n');
    await waitFor(() => sink.ended === 1);
    expect(sink.all[0]!.record).toEqual({ text: 'ünïcode' });
  });

  it('ends the input when the stream fails', async () => {
    const { stream, sink, logs } = await startStdin();
    stream.destroy(new Error('read failed'));
    await waitFor(() => sink.ended === 1);
    expect(logs.some((line) => line.level === 50 && line.msg.includes('read failed'))).toBe(true);
  });

  it('lets go of the stream on exit', async () => {
    const { plugin, stream } = await startStdin();
    await plugin.exit?.();
    expect(stream.listenerCount('data')).toBe(0);
    expect(stream.listenerCount('end')).toBe(0);
    expect(stream.listenerCount('error')).toBe(0);
  });

  it('refuses an unknown format naming the instance and key', async () => {
    const plugin = (await stdinInput({ stream: new PassThrough() }).create({})) as InputPlugin;
    const { ctx } = inputContext([['format', 'xml']], 'stdin.0');
    expect(() => plugin.init?.(ctx)).toThrow(ConfigError);
    expect(() => plugin.init?.(ctx)).toThrow(/^stdin\.0: format: 'xml' is not one of auto, json, msgpack$/);
  });
});
