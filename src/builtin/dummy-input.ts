/**
 * The `dummy` input (Fluent Bit's in_dummy): generates the same record at a
 * fixed rate, `copies` events per generation, until `samples` generations
 * have been made (then it ends) or for ever.
 *
 * Times follow in_dummy: now; or, with start_time_sec/start_time_nsec, the
 * start time plus the time elapsed since init (a replay of a past moment
 * that keeps moving); or, with fixed_timestamp, exactly the start time (the
 * init time when no start time is set).
 */
import { trustedChunk, type Chunk } from '../events/chunk.js';
import { EventTime, writeEventTime } from '../events/event-time.js';
import type { InputContext, InputPlugin, InputPluginFactory } from '../engine/plugin-api.js';
import { DUMMY_KEYS, readDummySettings, type DummySettings } from './dummy-settings.js';
import { RateScheduler } from './rate-scheduler.js';

class DummyInput implements InputPlugin {
  readonly name = 'dummy';
  readonly description = 'Generates dummy events';
  private settings?: DummySettings;
  private ctx?: InputContext;
  private scheduler?: RateScheduler;
  private generations = 0;
  private started = false;
  private paused = false;
  private finished = false;
  private initTime = EventTime.now();
  private initMonotonic = process.hrtime.bigint();

  init(ctx: InputContext): void {
    this.settings = readDummySettings(ctx);
    this.initTime = EventTime.now();
    this.initMonotonic = process.hrtime.bigint();
  }

  start(ctx: InputContext): void {
    this.settings ??= readDummySettings(ctx);
    this.ctx = ctx;
    this.scheduler = new RateScheduler(this.settings.perSecond, (due) => this.generate(due));
    this.started = true;
    if (this.settings.flushOnStartup) this.generate(1);
    this.runWhileWanted();
  }

  pause(): void {
    this.paused = true;
    this.runWhileWanted();
  }

  resume(): void {
    this.paused = false;
    this.runWhileWanted();
  }

  exit(): void {
    this.finished = true;
    this.runWhileWanted();
  }

  /** The timer runs exactly while started, not paused and not finished. */
  private runWhileWanted(): void {
    if (this.started && !this.paused && !this.finished) this.scheduler?.start();
    else this.scheduler?.stop();
  }

  private generate(due: number): void {
    const settings = this.settings!;
    const remaining = settings.samples > 0 ? settings.samples - this.generations : due;
    const count = Math.min(due, remaining);
    if (count > 0 && !this.finished) {
      this.generations += count;
      for (const chunk of this.chunksOf(count * settings.copies)) this.ctx!.sink.chunk(chunk);
    }
    if (settings.samples > 0 && this.generations >= settings.samples && !this.finished) {
      this.finished = true;
      this.runWhileWanted();
      this.ctx!.sink.end();
    }
  }

  /**
   * `count` events as chunks of at most the engine's chunk size: the record
   * (and metadata) were parsed to MessagePack once, so each event is its
   * header and a copy of those bytes (this is what makes 100000 events/s
   * cheap). v2 when there is metadata, as the encoder decides.
   */
  private chunksOf(count: number): Chunk[] {
    const { record, metadata } = this.settings!;
    const v2 = metadata.length > 1; // 0x80 alone is {}
    const event = new Uint8Array((v2 ? 2 + 10 + metadata.length : 1 + 10) + record.length);
    let offset = 0;
    event[offset++] = 0x92;
    if (v2) event[offset++] = 0x92;
    offset = writeEventTime(event, offset, this.eventTime());
    if (v2) {
      event.set(metadata, offset);
      offset += metadata.length;
    }
    event.set(record, offset);
    const perChunk = Math.max(1, Math.floor((this.ctx!.chunkSize || 2 * 1024 * 1024) / event.length));
    const chunks: Chunk[] = [];
    for (let done = 0; done < count; ) {
      const events = Math.min(perChunk, count - done);
      const data = new Uint8Array(events * event.length);
      for (let i = 0; i < events; i++) data.set(event, i * event.length);
      chunks.push(trustedChunk(data, v2 ? 'v2' : 'v1', events));
      done += events;
    }
    return chunks;
  }

  private eventTime(): EventTime {
    const { startTime, fixedTimestamp } = this.settings!;
    if (fixedTimestamp) return startTime ?? this.initTime;
    if (startTime === undefined) return EventTime.now();
    const elapsed = process.hrtime.bigint() - this.initMonotonic;
    const nanoseconds = startTime.toBigInt() + elapsed;
    return new EventTime(Number(nanoseconds / 1_000_000_000n), Number(nanoseconds % 1_000_000_000n));
  }
}

export const dummyInputFactory: InputPluginFactory = {
  kind: 'input',
  keys: DUMMY_KEYS,
  name: 'dummy',
  description: 'Generates dummy events (dummy, metadata, rate, copies, samples, start_time_sec, fixed_timestamp)',
  create: () => new DummyInput(),
};
