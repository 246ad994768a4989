import { describe, expect, it } from 'vitest';
import { callbackOutput, type CallbackResult } from '../../src/builtin/callback-output.js';
import type { OutputChunk, OutputPlugin } from '../../src/engine/plugin-api.js';
import type { DecodedEvent } from '../../src/events/decoder.js';
import { EventTime } from '../../src/events/event-time.js';
import { outputChunk, outputContext } from './plugin-harness.js';

const EVENTS = [{ time: new EventTime(1700000000, 1), record: { message: 'hello' }, metadata: { source: 'test' } }];

async function flushThrough(fn: () => unknown) {
  const plugin = (await callbackOutput(fn as () => CallbackResult).create({})) as OutputPlugin;
  const { ctx, logs } = outputContext([], 'callback.0');
  const result = await plugin.flush(outputChunk(EVENTS), ctx);
  return { result, logs };
}

describe('callback output', () => {
  it('hands the decoded events and the tag to the function', async () => {
    const calls: Array<[DecodedEvent[], string]> = [];
    const factory = callbackOutput((events, tag) => {
      calls.push([events, tag]);
    });
    expect(factory).toMatchObject({ kind: 'output', name: 'callback' });
    const plugin = (await factory.create({})) as OutputPlugin;
    const { ctx } = outputContext();
    expect(await plugin.flush(outputChunk(EVENTS, 'my.tag'), ctx)).toBe('ok');
    expect(calls).toHaveLength(1);
    const [events, tag] = calls[0]!;
    expect(tag).toBe('my.tag');
    expect(events).toEqual([{ tag: 'my.tag', time: new EventTime(1700000000, 1), metadata: {}, record: { message: 'hello' } }]);
  });

  it('maps what the function returns to a flush result', async () => {
    const cases: Array<[unknown, string]> = [
      ['ok', 'ok'],
      ['retry', 'retry'],
      ['error', 'error'],
      [true, 'ok'],
      [false, 'retry'],
      [undefined, 'ok'],
      [Promise.resolve('retry'), 'retry'],
      [Promise.resolve(false), 'retry'],
      [Promise.resolve(), 'ok'],
    ];
    for (const [returned, expected] of cases) {
      expect((await flushThrough(() => returned)).result, `returning ${String(returned)}`).toBe(expected);
    }
  });

  it('turns a throw or a rejection into error, and logs the message', async () => {
    const thrown = await flushThrough(() => {
      throw new Error('kaboom');
    });
    expect(thrown.result).toBe('error');
    expect(thrown.logs.some((line) => line.level === 50 && line.msg.includes('kaboom'))).toBe(true);

    const rejected = await flushThrough(() => Promise.reject(new Error('async kaboom')));
    expect(rejected.result).toBe('error');
    expect(rejected.logs.some((line) => line.msg.includes('async kaboom'))).toBe(true);
  });

  it('treats any other return value as an error', async () => {
    const { result, logs } = await flushThrough(() => 42);
    expect(result).toBe('error');
    expect(logs.some((line) => line.msg.includes('returned number'))).toBe(true);
  });

  it('hands the OutputChunk itself with raw: true', async () => {
    let seen: OutputChunk | undefined;
    const plugin = (await callbackOutput(
      (chunk: OutputChunk) => {
        seen = chunk;
        return 'ok';
      },
      { raw: true },
    ).create({})) as OutputPlugin;
    const chunk = outputChunk(EVENTS, 'raw.tag');
    expect(await plugin.flush(chunk, outputContext().ctx)).toBe('ok');
    expect(seen).toBe(chunk);
  });

  it('asks for v2 chunks when told to, so metadata reaches the function', async () => {
    const plugin = (await callbackOutput(() => 'ok', { eventFormat: 'v2' }).create({})) as OutputPlugin;
    expect(plugin.eventFormat).toBe('v2');
    let metadata: unknown;
    const withMetadata = (await callbackOutput((events) => {
      metadata = events[0]?.metadata;
    }).create({})) as OutputPlugin;
    await withMetadata.flush(outputChunk(EVENTS, 't', 'v2'), outputContext().ctx);
    expect(metadata).toEqual({ source: 'test' });
  });
});
