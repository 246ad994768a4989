import { describe, expect, it } from 'vitest';
import { dummyInputFactory } from '../../src/builtin/dummy-input.js';
import type { InputPlugin } from '../../src/engine/plugin-api.js';
import { ConfigError } from '../../src/errors.js';
import { EventTime } from '../../src/events/event-time.js';
import { inputContext, sleep } from './plugin-harness.js';

async function startDummy(pairs: Array<[string, string]>) {
  const plugin = (await dummyInputFactory.create({})) as InputPlugin;
  const harness = inputContext(pairs, 'dummy.0');
  await plugin.init?.(harness.ctx);
  await plugin.start?.(harness.ctx);
  return { plugin, ...harness };
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('dummy input', () => {
  it('is a factory named dummy', () => {
    expect(dummyInputFactory).toMatchObject({ kind: 'input', name: 'dummy' });
  });

  it('generates {"message":"dummy"} at the configured rate, without metadata by default', async () => {
    const { plugin, sink } = await startDummy([['rate', '20']]);
    await sleep(230);
    await plugin.exit?.();
    expect(sink.all.length).toBeGreaterThanOrEqual(2);
    expect(sink.all.length).toBeLessThanOrEqual(8);
    expect(sink.all[0]).toMatchObject({ record: { message: 'dummy' }, metadata: undefined });
    expect(sink.ended).toBe(0);
  });

  it('emits roughly rate × time events at 1000/s, in batches', async () => {
    const { plugin, sink } = await startDummy([['rate', '1000']]);
    await sleep(200);
    await plugin.exit?.();
    expect(sink.all.length).toBeGreaterThanOrEqual(100);
    expect(sink.all.length).toBeLessThanOrEqual(400);
    expect(sink.batches.length).toBeLessThan(sink.all.length);
  });

  it('keeps up with 100000 events/s by batching per tick', async () => {
    const { plugin, sink } = await startDummy([['rate', '100000']]);
    await sleep(200);
    await plugin.exit?.();
    expect(sink.all.length).toBeGreaterThanOrEqual(5_000);
    expect(sink.all.length).toBeLessThanOrEqual(40_000);
    expect(sink.batches.length).toBeLessThanOrEqual(60);
  });

  it('accepts a fractional rate and interval_sec/interval_nsec', async () => {
    const slow = await startDummy([['rate', '0.5']]);
    await sleep(100);
    await slow.plugin.exit?.();
    expect(slow.sink.all).toHaveLength(0);

    const byInterval = await startDummy([['rate', '1'], ['interval_nsec', '20000000']]);
    await sleep(210);
    await byInterval.plugin.exit?.();
    expect(byInterval.sink.all.length).toBeGreaterThanOrEqual(5);
    expect(byInterval.sink.all.length).toBeLessThanOrEqual(12);
  });

  it('stops after `samples` generations and ends the input', async () => {
    const { sink } = await startDummy([['rate', '1000'], ['samples', '5']]);
    await sleep(100);
    expect(sink.all).toHaveLength(5);
    expect(sink.ended).toBe(1);
    await sleep(50);
    expect(sink.all).toHaveLength(5);
  });

  it('makes `copies` events per generation; samples counts generations, as in Fluent Bit', async () => {
    const { sink } = await startDummy([['rate', '1000'], ['samples', '4'], ['copies', '3']]);
    await sleep(100);
    expect(sink.all).toHaveLength(12);
    expect(sink.ended).toBe(1);
  });

  it('generates once at start with flush_on_startup', async () => {
    const { plugin, sink } = await startDummy([['flush_on_startup', 'on']]);
    expect(sink.all).toHaveLength(1);
    await plugin.exit?.();
  });

  it('stops emitting while paused and does not make up for the pause on resume', async () => {
    const { plugin, sink } = await startDummy([['rate', '1000']]);
    await sleep(60);
    plugin.pause?.();
    const atPause = sink.all.length;
    expect(atPause).toBeGreaterThan(0);
    await sleep(150);
    expect(sink.all.length).toBe(atPause);
    plugin.resume?.();
    await sleep(60);
    const afterResume = sink.all.length - atPause;
    await plugin.exit?.();
    expect(afterResume).toBeGreaterThan(0);
    expect(afterResume).toBeLessThan(150); // a catch-up would have added ~150 at once
  });

  it('clears its timer on exit', async () => {
    const before = timers();
    const { plugin, sink } = await startDummy([['rate', '100']]);
    expect(timers()).toBe(before + 1);
    await plugin.exit?.();
    expect(timers()).toBe(before);
    const count = sink.all.length;
    await sleep(50);
    expect(sink.all.length).toBe(count);
  });

  it('sends the metadata object as v2 metadata', async () => {
    const { plugin, sink } = await startDummy([['rate', '100'], ['dummy', '{"a":1,"b":[true,null]}'], ['metadata', '{"source":"dummy"}']]);
    await sleep(50);
    await plugin.exit?.();
    expect(sink.all[0]).toMatchObject({ record: { a: 1, b: [true, null] }, metadata: { source: 'dummy' } });
  });

  it('gives every event exactly the start time with fixed_timestamp', async () => {
    const { plugin, sink } = await startDummy([
      ['rate', '200'],
      ['start_time_sec', '1000'],
      ['start_time_nsec', '5'],
      ['fixed_timestamp', 'on'],
    ]);
    await sleep(60);
    await plugin.exit?.();
    expect(sink.all.length).toBeGreaterThan(1);
    for (const event of sink.all) expect(event.time).toEqual(new EventTime(1000, 5));
  });

  it('advances from the start time without fixed_timestamp, as in_dummy does', async () => {
    const { plugin, sink } = await startDummy([['rate', '200'], ['start_time_sec', '1000']]);
    await sleep(60);
    await plugin.exit?.();
    const times = sink.all.map((event) => (event.time as EventTime).toBigInt());
    expect(times[0]! >= 1000_000_000_000n).toBe(true);
    expect(times.at(-1)! < 1005_000_000_000n).toBe(true);
    expect(times.at(-1)! > times[0]!).toBe(true);
  });

  it('freezes the time at init with fixed_timestamp and no start time', async () => {
    const { plugin, sink } = await startDummy([['rate', '200'], ['fixed_timestamp', 'true']]);
    await sleep(60);
    await plugin.exit?.();
    const distinct = new Set(sink.all.map((event) => (event.time as EventTime).toBigInt()));
    expect(sink.all.length).toBeGreaterThan(1);
    expect(distinct.size).toBe(1);
  });

  it('refuses bad configuration naming the instance and the key', async () => {
    const refused: Array<[[string, string], RegExp]> = [
      [['rate', 'abc'], /^dummy\.0: rate: 'abc' is not a number$/],
      [['rate', '0'], /^dummy\.0: rate: '0' must be greater than 0$/],
      [['dummy', '{"message":'], /^dummy\.0: dummy: '\{"message":' is not valid JSON/],
      [['dummy', '[1,2]'], /^dummy\.0: dummy: '\[1,2\]' is not a JSON object$/],
      [['metadata', '"text"'], /^dummy\.0: metadata: '"text"' is not a JSON object$/],
      [['samples', '-1'], /^dummy\.0: samples: '-1' must be at least 0$/],
      [['samples', '2.5'], /^dummy\.0: samples: '2.5' is not an integer$/],
      [['copies', '0'], /^dummy\.0: copies: '0' must be at least 1$/],
      [['start_time_nsec', '1000000000'], /^dummy\.0: start_time_nsec: '1000000000' must be at most 999999999$/],
      [['fixed_timestamp', 'sometimes'], /^dummy\.0: fixed_timestamp: 'sometimes' is not a boolean/],
    ];
    for (const [pair, message] of refused) {
      const plugin = (await dummyInputFactory.create({})) as InputPlugin;
      const { ctx } = inputContext([pair], 'dummy.0');
      expect(() => plugin.init?.(ctx)).toThrow(ConfigError);
      expect(() => plugin.init?.(ctx)).toThrow(message);
    }
  });
});
