// What isolation costs. Two measurements, each comparing in-process and
// isolated (Isolation process) in one run, interleaved:
//
// 1. The Fluent Bit comparison's workload (stdin -> the fluent-bit-go output
//    out_gtagcount, which decodes every record, workers 1) through the
//    flbhost command: records per second, and peak RSS of flbhost and of the
//    plugin-host child. Target: isolated >= 0.9x in-process.
// 2. The channel's cost per flush: one-record chunks to a C output that does
//    nothing (out_count) through the library API, in process and isolated;
//    the difference in microseconds per flush is what the frames, the pipe
//    and the child's copy cost.
//
//   node bench/isolation-bench.mjs [records]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { writeConfig, writeRecords } from './fluent-bit-compare.mjs';
import { goFixture } from './go-fixture.mjs';
import { median } from './median.mjs';
import { requestRecord } from './records.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** kB of VmHWM (peak resident set) of a live process, or 0. */
function peakKb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Runs `flbhost -c config` on the records, sampling the peak RSS of flbhost
 * and of its children (the plugin host) every 50 ms while they live.
 */
function runFlbhost(config, recordsFile, countsPath) {
  rmSync(countsPath, { force: true });
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, 'bin', 'flbhost.js'), '-c', config], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createReadStream(recordsFile).pipe(child.stdin);
    const peaks = { flbhost: 0, plugin_host: 0 };
    const sample = setInterval(() => {
      peaks.flbhost = Math.max(peaks.flbhost, peakKb(child.pid));
      for (const pid of childrenOf(child.pid)) peaks.plugin_host = Math.max(peaks.plugin_host, peakKb(pid));
    }, 50);
    child.on('exit', (code) => {
      clearInterval(sample);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`flbhost exited with ${code}: ${stderr.slice(-2000)}`));
      const lines = readFileSync(countsPath, 'utf8').trim().split('\n');
      resolve({ seconds, counted: JSON.parse(lines.at(-1)).counts.bench ?? 0, flbhost_mb: peaks.flbhost / 1024, plugin_host_mb: peaks.plugin_host / 1024 });
    });
  });
}

async function commandCase(work, records, runs) {
  const recordsFile = join(work, 'records.jsonl');
  writeRecords(recordsFile, records);
  const plugin = goFixture('out_gtagcount');
  const countsPath = join(work, 'counts.json');
  const modes = ['none', 'process'];
  const results = { none: [], process: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 === 0 ? modes : [...modes].reverse()) {
      const config = writeConfig(work, plugin, countsPath, 1, { name: `isolation-${mode}`, output: [`Isolation ${mode}`] });
      const run = await runFlbhost(config, recordsFile, countsPath);
      if (run.counted !== records) throw new Error(`Isolation ${mode}: delivered ${run.counted} of ${records} records`);
      results[mode].push(run);
    }
  }
  const summary = (mode) => ({
    records_per_sec: records / median(results[mode].map((r) => r.seconds)),
    flbhost_peak_rss_mb: median(results[mode].map((r) => r.flbhost_mb)),
    plugin_host_peak_rss_mb: median(results[mode].map((r) => r.plugin_host_mb)),
    runs_seconds: results[mode].map((r) => r.seconds),
  });
  const inProcess = summary('none');
  const isolated = summary('process');
  return {
    workload: 'stdin -> out_gtagcount (fluent-bit-go, decodes every record), workers 1, the flbhost command',
    records,
    in_process: inProcess,
    isolated,
    isolated_ratio: isolated.records_per_sec / inProcess.records_per_sec,
    // What one isolated instance adds to the host's memory: its process, less
    // what the plugin no longer costs inside flbhost.
    extra_rss_per_isolated_instance_mb: isolated.flbhost_peak_rss_mb + isolated.plugin_host_peak_rss_mb - inProcess.flbhost_peak_rss_mb,
  };
}

/** Microseconds per one-record flush to out_count, `flushes` of them, 64 in flight. */
async function flushCost(isolation, flushes) {
  const { loadPlugin } = await import('../dist/index.js');
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const lib = await loadPlugin(join(root, 'build', 'plugins', 'out_count.so'), { logger, isolation });
  const out = await lib.createOutput({ logger });
  const chunk = [{ record: requestRecord(0) }];
  const started = process.hrtime.bigint();
  for (let done = 0; done < flushes; done += 64) {
    await Promise.all(Array.from({ length: Math.min(64, flushes - done) }, () => out.flush('bench', chunk)));
  }
  const micros = Number(process.hrtime.bigint() - started) / 1e3 / flushes;
  await out.close();
  return micros;
}

async function channelCase(flushes, runs) {
  const samples = { none: [], process: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 === 0 ? ['none', 'process'] : ['process', 'none']) samples[mode].push(await flushCost(mode, flushes));
  }
  const inProcess = median(samples.none);
  const isolated = median(samples.process);
  return {
    workload: `${flushes} one-record flushes (about 200 bytes) to out_count through the library API, 64 in flight`,
    in_process_us_per_flush: inProcess,
    isolated_us_per_flush: isolated,
    channel_us_per_flush: isolated - inProcess,
  };
}

export async function isolationBench(scale = 1) {
  const work = mkdtempSync(join(tmpdir(), 'flbhost-isolation-bench-'));
  try {
    const command = await commandCase(work, Math.max(10_000, Math.round(1_000_000 * scale)), 3);
    const channel = await channelCase(Math.max(2_000, Math.round(100_000 * scale)), 3);
    return {
      command,
      channel,
      targets: {
        isolated_at_least_0_9x_in_process: { target: 0.9, measured: command.isolated_ratio, met: command.isolated_ratio >= 0.9 },
      },
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const scale = Number(process.argv[2] ?? 1_000_000) / 1_000_000;
  process.stdout.write(`${JSON.stringify(await isolationBench(scale), null, 2)}\n`);
}
