/**
 * The parts of flbhost/pino on their own: a line to an event (the native
 * parser with the transport's options), the options' check, and the feed
 * (batches, invalid lines, backpressure) in the stream pino-abstract-transport
 * builds, against a real lib input.
 */
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import build from 'pino-abstract-transport';
import { describe, expect, it } from 'vitest';
import { LibInput } from '../../src/builtin/lib-input.js';
import { nativeJsonLinesToChunks } from '../../src/builtin/json-chunks.js';
import { decodeChunk } from '../../src/events/decoder.js';
import { feedFromStream, PinoFeed, PINO_TIME_KEY, type FeedCounts } from '../../src/pino/feed.js';
import { InvalidLines } from '../../src/pino/invalid-lines.js';
import { parseTransportOptions } from '../../src/pino/options.js';
import { captureLogger } from '../helpers/capture-logger.js';

/** One pino line through the transport's parse (native, timeKey 'time', objects only): its event, or its problem. */
function lineToEvent(line: string) {
  const { chunks, problems } = nativeJsonLinesToChunks(Buffer.from(`${line}\n`), { timeKey: PINO_TIME_KEY, objectsOnly: true });
  if (problems.length > 0) throw new Error(problems[0]!.message);
  const [event] = decodeChunk(chunks[0]!.data, 'pino').events;
  return { time: { seconds: event!.time.seconds, nanoseconds: event!.time.nanoseconds }, record: event!.record };
}

describe('a pino line to an event', () => {
  it("takes pino's epoch-ms time to the millisecond and leaves the rest, level included, as the record", () => {
    const { time, record } = lineToEvent('{"level":30,"time":1700000000123,"pid":1,"msg":"hi","time_taken":4}');
    expect(time).toEqual({ seconds: 1700000000, nanoseconds: 123_000_000 });
    expect(record).toEqual({ level: 30, pid: 1, msg: 'hi', time_taken: 4 });
    expect(Object.keys(record)).toEqual(['level', 'pid', 'msg', 'time_taken']);
  });

  it('keeps a level label as it is, and takes an ISO time (isoTime, and isoTimeNano to the nanosecond)', () => {
    const { time, record } = lineToEvent('{"level":"warn","time":"2024-05-01T10:00:00.250Z","msg":"x"}');
    expect(time).toEqual({ seconds: 1714557600, nanoseconds: 250_000_000 });
    expect(record).toEqual({ level: 'warn', msg: 'x' });
    expect(lineToEvent('{"time":"2024-05-01T10:00:00.250000001Z"}').time).toEqual({ seconds: 1714557600, nanoseconds: 250_000_001 });
  });

  it('leaves a time it cannot take in the record (the event gets the time it was read)', () => {
    for (const value of ['"soon"', '-5', 'true', '1e300', '"Wed, 01 May 2024 10:00:00 GMT"']) {
      const before = Math.floor(Date.now() / 1000);
      const { time, record } = lineToEvent(`{"time":${value},"msg":"x"}`);
      expect(time.seconds).toBeGreaterThanOrEqual(before);
      expect(record).toEqual({ time: JSON.parse(value), msg: 'x' });
    }
    expect(lineToEvent('{"msg":"no time"}').record).toEqual({ msg: 'no time' });
  });

  it('keeps integers past 2^53 exact (JSON.parse would round them)', () => {
    expect(lineToEvent('{"id":9007199254740993,"big":18446744073709551615}').record).toEqual({ id: 9007199254740993n, big: 18446744073709551615n });
  });

  it('refuses anything but a JSON object', () => {
    for (const line of ['not json', '42', '"text"', '[1,2]', '[1700000000,{"a":1}]', 'null', '{"open":']) expect(() => lineToEvent(line)).toThrow();
  });
});

describe('the options', () => {
  const parse = (options: unknown) => () => parseTransportOptions(options, {});

  it('takes the plugin form and the config form, with defaults', () => {
    expect(parseTransportOptions({ plugin: './out.so', properties: { url: 'x', port: 1 }, pinoWillSendConfig: true, $context: {} }, {})).toMatchObject({
      kind: 'plugin',
      plugin: './out.so',
      properties: { url: 'x', port: 1 },
      isolation: 'none',
      memBufLimit: '8M',
      logLevel: 'info',
    });
    expect(parseTransportOptions({ config: './fb.conf', input: 'app', grace: 2 }, { FLBHOST_LOG_LEVEL: 'debug' })).toEqual({
      kind: 'config',
      config: './fb.conf',
      input: 'app',
      grace: 2,
      tag: undefined,
      flush: undefined,
      logLevel: 'debug',
    });
  });

  it('refuses each mistake with a message naming the option', () => {
    expect(parse(undefined)).toThrow("flbhost/pino: options must be an object with 'plugin' (a .so output) or 'config'");
    expect(parse({})).toThrow('give options.plugin (a .so output plugin) or options.config');
    expect(parse({ plugin: 'a.so', config: 'b.conf' })).toThrow('give options.plugin or options.config, not both');
    expect(parse({ plugin: 'a.so', isolaton: 'process' })).toThrow("unknown option 'isolaton'; did you mean 'isolation'?");
    expect(parse({ plugin: 'a.so', isolation: 'thread' })).toThrow(`options.isolation must be 'none' or 'process'; got "thread"`);
    expect(parse({ plugin: 'a.so', grace: 30 })).toThrow('options.grace is 30 s, more than 8 s: at exit thread-stream waits about 10 s');
    expect(parse({ plugin: 'a.so', workers: 0 })).toThrow('options.workers must be an integer from 1 to 64; got 0');
    expect(parse({ plugin: 'a.so', properties: { nested: { a: 1 } } })).toThrow('options.properties.nested must be a string, number or boolean');
    expect(parse({ plugin: 'a.so', logLevel: 'loud' })).toThrow("options.logLevel: 'loud' is not a log level");
    expect(parse({ config: 'fb.conf', isolation: 'process' })).toThrow('options.isolation goes with options.plugin; with options.config, set it in the config file');
    expect(parse({ plugin: 'a.so', input: 'app' })).toThrow('options.input names a lib input of options.config');
  });
});

describe('the feed', () => {
  const line = (i: number) => `{"time":${1700000000000 + i},"seq":${i}}\n`;
  function setUp() {
    const input = new LibInput();
    const counts: FeedCounts = { taken: 0, refused: 0 };
    const { logger, lines } = captureLogger('debug');
    const invalid = new InvalidLines(logger);
    const pinoFeed = new PinoFeed(input, undefined, logger, counts, invalid);
    // The stream pino-abstract-transport makes (a split2 Transform), fed as the transport feeds it.
    const source = build((stream) => feedFromStream(stream, pinoFeed, input, logger)) as unknown as Transform;
    return { source, input, counts, lines, invalid, closed: once(source, 'close') };
  }
  const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('cuts pieces at their last newline: a line split across pieces is whole, a last line without a newline counts', async () => {
    const { source, counts, invalid, closed } = setUp();
    const text = Array.from({ length: 10 }, (_, i) => line(i)).join('');
    for (const piece of [text.slice(0, 7), text.slice(7, 60), text.slice(60, -1)]) source.write(piece);
    await turn();
    expect(counts.taken).toBe(9);
    source.end();
    await closed;
    expect(counts.taken).toBe(10);
    expect(invalid.count).toBe(0);
  });

  it("takes no further piece while the lib input asks to wait, and goes on at its 'drain'", async () => {
    const { source, input, counts, closed } = setUp();
    input.setPaused(true); // what the engine does at Mem_Buf_Limit
    for (let i = 0; i < 100; i++) source.write(line(i));
    await turn();
    expect(counts.taken).toBe(1); // taken (pushChunk takes it), then the feed waits
    await turn();
    expect(counts.taken).toBe(1);
    input.setPaused(false); // 'drain'
    await turn();
    expect(counts.taken).toBe(100);
    source.end();
    await closed;
  });

  it('stops waiting once the stream was ended: what is left is bounded, and Grace starts sooner', async () => {
    const { source, input, counts, closed } = setUp();
    input.setPaused(true);
    for (let i = 0; i < 100; i++) source.write(line(i));
    await turn();
    expect(counts.taken).toBe(1);
    source.end();
    await closed; // without 'drain'
    expect(counts.taken).toBe(100);
  });

  it('counts lines that are not JSON objects and warns once, quoting the first', async () => {
    const { source, counts, lines, invalid, closed } = setUp();
    source.write(`${line(0)}not json 1\n[1,2]\n\n${line(1)}`);
    source.write('{"open":\n');
    source.end();
    await closed;
    expect(counts.taken).toBe(2);
    expect(invalid.count).toBe(3);
    const warnings = lines.filter((entry) => entry.msg.includes('not a JSON object'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ sample: 'not json 1' });
  });

  it('counts records the pipeline refuses and says so once, without throwing', async () => {
    const { source, input, counts, lines, closed } = setUp();
    input.close('the pipeline is stopped');
    for (let i = 0; i < 5; i++) source.write(line(i));
    source.end();
    await closed;
    expect(counts).toEqual({ taken: 0, refused: 5 });
    expect(lines.filter((entry) => entry.msg.includes('were not taken'))).toHaveLength(1);
  });
});
