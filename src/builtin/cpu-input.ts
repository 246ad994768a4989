/**
 * The `cpu` input (Fluent Bit's in_cpu): CPU usage of the whole system and
 * of each core, from /proc/stat, every interval. Here so that the Fluent Bit
 * docs' examples (`-i cpu -o gstdout`) run unchanged.
 *
 * Each record holds percentages over the last interval: cpu_p (user and
 * system time, of all cores together, 0-100), user_p, system_p, and per
 * core cpuN.p_cpu, cpuN.p_user, cpuN.p_system. The first record comes one
 * interval after start (a percentage needs two readings).
 *
 * Keys: interval_sec (default 1), interval_nsec (default 0).
 */
import { readFile } from 'node:fs/promises';
import type { InputContext, InputPlugin, InputPluginFactory } from '../engine/plugin-api.js';
import type { LogEvent } from '../events/encoder.js';
import { PropertyReader } from './property-reader.js';

/** Jiffies of one /proc/stat cpu line. */
interface CpuTimes {
  user: number; // user + nice
  system: number;
  total: number;
}

/** Parses the `cpu` and `cpuN` lines of /proc/stat. */
export function parseProcStat(text: string): Map<string, CpuTimes> {
  const cpus = new Map<string, CpuTimes>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [name, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
    cpus.set(name!, { user: user + nice, system: system + irq + softirq, total: user + nice + system + idle + iowait + irq + softirq + steal });
  }
  return cpus;
}

const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10000) / 100 : 0);

/** The record for the time between two readings. */
export function cpuRecord(before: Map<string, CpuTimes>, after: Map<string, CpuTimes>): Record<string, number> {
  const record: Record<string, number> = {};
  for (const [name, now] of after) {
    const then = before.get(name);
    if (!then) continue;
    const total = now.total - then.total;
    const user = percent(now.user - then.user, total);
    const system = percent(now.system - then.system, total);
    if (name === 'cpu') {
      record.cpu_p = Math.round((user + system) * 100) / 100;
      record.user_p = user;
      record.system_p = system;
    } else {
      record[`${name}.p_cpu`] = Math.round((user + system) * 100) / 100;
      record[`${name}.p_user`] = user;
      record[`${name}.p_system`] = system;
    }
  }
  return record;
}

class CpuInput implements InputPlugin {
  readonly name = 'cpu';
  interval = 1000;
  private previous?: Map<string, CpuTimes>;

  init(ctx: InputContext): void {
    const props = new PropertyReader(ctx);
    this.interval = props.integer('interval_sec', 1, { min: 0 }) * 1000 + props.integer('interval_nsec', 0, { min: 0 }) / 1e6;
    if (this.interval <= 0) this.interval = 1000;
  }

  /** The first call takes the baseline; each later one reports the interval since. */
  async collect(): Promise<LogEvent[] | undefined> {
    const now = parseProcStat(await readFile('/proc/stat', 'utf8'));
    const previous = this.previous;
    this.previous = now;
    return previous ? [{ record: cpuRecord(previous, now) }] : undefined;
  }
}

export const cpuInputFactory: InputPluginFactory = {
  kind: 'input',
  keys: ['interval_sec', 'interval_nsec'],
  name: 'cpu',
  description: 'CPU usage of the system and of each core (/proc/stat)',
  create: () => new CpuInput(),
};
