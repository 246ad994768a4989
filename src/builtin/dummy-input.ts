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
import type { LogEvent } from '../events/encoder.js';
import { EventTime } from '../events/event-time.js';
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
      this.ctx!.sink.events(this.eventsOf(count * settings.copies));
    }
    if (settings.samples > 0 && this.generations >= settings.samples && !this.finished) {
      this.finished = true;
      this.runWhileWanted();
      this.ctx!.sink.end();
    }
  }

  /**
   * `count` events sharing one LogEvent: the sink encodes them before it
   * returns, so one parsed record serves every event (this is what makes
   * 100000 events/s cheap).
   */
  private eventsOf(count: number): LogEvent[] {
    const settings = this.settings!;
    const hasMetadata = Object.keys(settings.metadata).length > 0;
    const event: LogEvent = { time: this.eventTime(), record: settings.record, metadata: hasMetadata ? settings.metadata : undefined };
    return new Array<LogEvent>(count).fill(event);
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
