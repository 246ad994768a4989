/**
 * The parts of flbhost/pino on their own: a line to an event, the options'
 * check, and the feed's backpressure against a real lib input.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LibInput } from '../../src/builtin/lib-input.js';
import { feed, type FeedCounts } from '../../src/pino/feed.js';
import { lineToEvent, parsePinoLine } from '../../src/pino/line-to-event.js';
import { parseTransportOptions } from '../../src/pino/options.js';
import { toEventTime } from '../../src/events/event-time.js';
import { captureLogger } from '../helpers/capture-logger.js';

describe('a pino line to an event', () => {
  it("takes pino's epoch-ms time to the millisecond and leaves the rest, level included, as the record", () => {
    const line = parsePinoLine('{"level":30,"time":1700000000123,"pid":1,"msg":"hi","time_taken":4}');
    const { time, record } = lineToEvent(line);
    expect(toEventTime(time)).toEqual({ seconds: 1700000000, nanoseconds: 123_000_000 });
    expect(record).toEqual({ level: 30, pid: 1, msg: 'hi', time_taken: 4 });
    expect(Object.keys(record)).toEqual(['level', 'pid', 'msg', 'time_taken']);
  });

  it('keeps a level label as it is, and takes an ISO time', () => {
    const { time, record } = lineToEvent(parsePinoLine('{"level":"warn","time":"2024-05-01T10:00:00.250Z","msg":"x"}'));
    expect(toEventTime(time)).toEqual({ seconds: 1714557600, nanoseconds: 250_000_000 });
    expect(record).toEqual({ level: 'warn', msg: 'x' });
  });

  it('leaves a time it cannot take in the record (the event gets the time it was read)', () => {
    for (const value of ['"soon"', '-5', 'true', '1e300']) {
      const { time, record } = lineToEvent(parsePinoLine(`{"time":${value},"msg":"x"}`));
      expect(time).toBeUndefined();
      expect(record).toEqual({ time: JSON.parse(value), msg: 'x' });
    }
    expect(lineToEvent(parsePinoLine('{"msg":"no time"}'))).toEqual({ time: undefined, record: { msg: 'no time' } });
  });

  it('refuses anything but a JSON object', () => {
    for (const line of ['not json', '42', '"text"', '[1,2]', 'null', '{"open":']) expect(() => parsePinoLine(line)).toThrow();
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
  function setUp() {
    const source = new PassThrough({ objectMode: true });
    const input = new LibInput();
    const counts: FeedCounts = { taken: 0, refused: 0 };
    const { logger, lines } = captureLogger('debug');
    return { source, input, counts, lines, done: feed(source, input, undefined, logger, counts) };
  }
  const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("pulls no further line while the lib input asks to wait, and goes on at its 'drain'", async () => {
    const { source, input, counts, done } = setUp();
    input.setPaused(true); // what the engine does at Mem_Buf_Limit
    for (let i = 0; i < 100; i++) source.write({ time: 1700000000000 + i, seq: i });
    await turn();
    expect(counts.taken).toBe(1); // taken (push takes it), then the feed waits
    await turn();
    expect(counts.taken).toBe(1);
    input.setPaused(false); // 'drain'
    await turn();
    expect(counts.taken).toBe(100);
    source.end();
    await done;
  });

  it('stops waiting once the stream was ended: what is left is bounded, and Grace starts sooner', async () => {
    const { source, input, counts, done } = setUp();
    input.setPaused(true);
    for (let i = 0; i < 100; i++) source.write({ seq: i });
    await turn();
    expect(counts.taken).toBe(1);
    source.end();
    await done; // without 'drain'
    expect(counts.taken).toBe(100);
  });

  it('counts a record the pipeline refuses and says so once, without throwing', async () => {
    const { source, input, counts, lines, done } = setUp();
    input.close('the pipeline is stopped');
    for (let i = 0; i < 5; i++) source.write({ seq: i });
    source.end();
    await done;
    expect(counts).toEqual({ taken: 0, refused: 5 });
    expect(lines.filter((line) => line.msg.includes('was not taken'))).toHaveLength(1);
  });
});
