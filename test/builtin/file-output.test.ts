import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileOutputFactory, flushResultOfFsError } from '../../src/builtin/file-output.js';
import { nullOutputFactory } from '../../src/builtin/null-output.js';
import type { OutputPlugin } from '../../src/engine/plugin-api.js';
import { ConfigError } from '../../src/errors.js';
import { EventTime } from '../../src/events/event-time.js';
import { tempDir } from '../helpers/temp.js';
import { outputChunk, outputContext } from './plugin-harness.js';

const EVENTS = [
  { time: new EventTime(1700000000, 5), record: { message: 'first', n: 1 } },
  { time: new EventTime(1700000001, 123456789), record: { message: 'second' } },
];

async function fileWith(pairs: Array<[string, string]>) {
  const plugin = (await fileOutputFactory.create({})) as OutputPlugin;
  const { ctx, logs } = outputContext(pairs, 'file.0');
  await plugin.init?.(ctx);
  return { plugin, ctx, logs };
}

describe('file output', () => {
  it("writes Fluent Bit's out_file format to a file named after the tag", async () => {
    const dir = tempDir();
    const { plugin, ctx } = await fileWith([['path', dir]]);
    expect(await plugin.flush(outputChunk(EVENTS, 'app.log'), ctx)).toBe('ok');
    expect(readFileSync(join(dir, 'app.log'), 'utf8')).toBe(
      'app.log: [1700000000.000000005, {"message":"first","n":1}]\n' + 'app.log: [1700000001.123456789, {"message":"second"}]\n',
    );
  });

  it('appends, and uses the file key over the tag', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'out.txt'), 'existing\n');
    const { plugin, ctx } = await fileWith([['path', dir], ['file', 'out.txt'], ['format', 'plain']]);
    await plugin.flush(outputChunk([EVENTS[0]!], 'a'), ctx);
    await plugin.flush(outputChunk([EVENTS[1]!], 'b'), ctx);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('existing\n{"message":"first","n":1}\n{"message":"second"}\n');
  });

  it('writes json_lines with the date options', async () => {
    const dir = tempDir();
    const { plugin, ctx } = await fileWith([['path', dir], ['format', 'json_lines'], ['json_date_format', 'iso8601']]);
    await plugin.flush(outputChunk(EVENTS, 'x'), ctx);
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe(
      '{"date":"2023-11-14T22:13:20.000000Z","message":"first","n":1}\n' + '{"date":"2023-11-14T22:13:21.123456Z","message":"second"}\n',
    );
  });

  it('appends the raw chunk bytes with format msgpack', async () => {
    const dir = tempDir();
    const { plugin, ctx } = await fileWith([['path', dir], ['format', 'msgpack']]);
    const first = outputChunk([EVENTS[0]!], 'm');
    const second = outputChunk([EVENTS[1]!], 'm');
    await plugin.flush(first, ctx);
    await plugin.flush(second, ctx);
    expect(readFileSync(join(dir, 'm')).equals(Buffer.concat([first.chunk.data, second.chunk.data]))).toBe(true);
  });

  it('keeps concurrent flushes whole and in order', async () => {
    const dir = tempDir();
    const { plugin, ctx } = await fileWith([['path', dir], ['file', 'all'], ['format', 'plain']]);
    const flushes = Array.from({ length: 20 }, (_, i) => plugin.flush(outputChunk([{ time: EVENTS[0]!.time, record: { i } }]), ctx));
    expect(await Promise.all(flushes)).toEqual(Array(20).fill('ok'));
    expect(readFileSync(join(dir, 'all'), 'utf8')).toBe(Array.from({ length: 20 }, (_, i) => `{"i":${i}}\n`).join(''));
  });

  it('answers error and says why when the directory is missing and mkdir is off', async () => {
    const dir = join(tempDir(), 'missing', 'deeper');
    const { plugin, ctx, logs } = await fileWith([['path', dir]]);
    expect(await plugin.flush(outputChunk(EVENTS, 't'), ctx)).toBe('error');
    expect(existsSync(dir)).toBe(false);
    expect(logs.some((line) => line.level === 50 && line.msg.includes('does not exist') && line.msg.includes('mkdir'))).toBe(true);
  });

  it('creates the directory with mkdir on', async () => {
    const dir = join(tempDir(), 'made', 'for', 'you');
    const { plugin, ctx } = await fileWith([['path', dir], ['mkdir', 'on']]);
    expect(await plugin.flush(outputChunk(EVENTS, 't'), ctx)).toBe('ok');
    expect(readFileSync(join(dir, 't'), 'utf8').split('\n')).toHaveLength(3);
  });

  it.skipIf(process.getuid?.() === 0)('answers error when the file cannot be written (EACCES)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'locked'));
    chmodSync(join(dir, 'locked'), 0o500);
    const { plugin, ctx } = await fileWith([['path', join(dir, 'locked')]]);
    expect(await plugin.flush(outputChunk(EVENTS, 't'), ctx)).toBe('error');
  });

  it('answers error when the target is a directory (EISDIR)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken'));
    const { plugin, ctx, logs } = await fileWith([['path', dir], ['file', 'taken']]);
    expect(await plugin.flush(outputChunk(EVENTS, 't'), ctx)).toBe('error');
    expect(logs.some((line) => line.level === 50)).toBe(true);
  });

  it.skipIf(!existsSync('/dev/full'))('answers retry when the disk is full (ENOSPC, via /dev/full)', async () => {
    const { plugin, ctx, logs } = await fileWith([['path', '/dev'], ['file', 'full']]);
    expect(await plugin.flush(outputChunk(EVENTS, 't'), ctx)).toBe('retry');
    expect(logs.some((line) => line.msg.includes('will retry'))).toBe(true);
  });

  it('sorts file system errors into retry (transient) and error (final)', () => {
    for (const code of ['ENOSPC', 'EAGAIN', 'EMFILE', 'EDQUOT']) expect(flushResultOfFsError(code)).toBe('retry');
    for (const code of ['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', undefined]) expect(flushResultOfFsError(code)).toBe('error');
  });

  it('refuses bad values naming the instance and key', async () => {
    await expect(fileWith([['format', 'csv']])).rejects.toThrow(ConfigError);
    await expect(fileWith([['mkdir', 'maybe']])).rejects.toThrow(/^file\.0: mkdir: 'maybe' is not a boolean/);
  });
});

describe('null output', () => {
  it('accepts and discards every chunk', async () => {
    expect(nullOutputFactory.name).toBe('null');
    const plugin = (await nullOutputFactory.create({})) as OutputPlugin;
    const { ctx } = outputContext([], 'null.0');
    expect(await plugin.flush(outputChunk(EVENTS), ctx)).toBe('ok');
  });
});
