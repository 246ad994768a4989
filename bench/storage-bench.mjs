// What durable storage costs. The Fluent Bit comparison's workload (the same
// records on stdin into the fluent-bit-go output out_gtagcount, which decodes
// every record, at workers 1 and 2; bench/fluent-bit-compare.mjs) through:
//
//   flbhost_memory         flbhost, chunks in memory (no storage settings);
//   flbhost_filesystem     flbhost, `storage.type filesystem` on the stdin input,
//                          `[SERVICE] storage.path` a fresh directory per run,
//                          `storage.sync normal`;
//   fluent_bit_filesystem  Fluent Bit with the same storage settings, when a
//                          binary is available (FLUENT_BIT_BIN or `fluent-bit`
//                          on PATH; FLUENT_BIT_BIN=none leaves it out).
//
// Which comparison with Fluent Bit is judged: workers 2. At workers 1 both
// hosts run at the Go plugin's own decoding speed: its one flush thread is
// the bottleneck (flbhost: that thread at 94 % of a core, the JS thread at
// 10 %, per-thread CPU from /proc over 3 s of a 1M-record run), so the ratio
// there measures the plugin twice and only noise tells them apart (five
// full runs of five: 1.10, 0.95, 0.98, 1.04, 0.97). At workers 1 it is
// reported, not judged; the memory-storage target is judged there.
//
// Interleaved (each mode goes first in turn), RUNS runs each, medians. Each run
// checks that the plugin counted every record, and measures the bytes left
// under storage.path once the host has exited (0 when everything was
// delivered and every chunk file removed). Wall and marginal rates as in the
// Fluent Bit comparison; the targets are judged on the marginal rates, which
// leave out each host's fixed start and exit costs.
//
//   node bench/storage-bench.mjs [records]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASELINE_RECORDS,
  FLBHOST_BIN,
  fluentBitVersion,
  locateFluentBit,
  marginalRate,
  runHost,
  writeConfig,
  writeRecords,
} from './fluent-bit-compare.mjs';
import { goFixture } from './go-fixture.mjs';
import { median } from './median.mjs';

/** Bytes of every file under `directory`, hidden ones included, and how many files. */
function filesUnder(directory) {
  const found = { bytes: 0, files: 0 };
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    found.bytes += statSync(join(entry.parentPath, entry.name)).size;
    found.files++;
  }
  return found;
}

/** The type of the filesystem under `directory` (ext4, xfs, tmpfs...): a tmpfs would make storage free. */
function filesystemType(directory) {
  try {
    return execFileSync('df', ['--output=fstype', directory], { encoding: 'utf8' }).trim().split('\n').at(-1);
  } catch {
    return 'unknown';
  }
}

/** One run of `mode` on `count` records; a filesystem mode gets a fresh storage.path. */
function runMode(work, mode, plugin, countsPath, recordsFile, count, workers) {
  const storage = mode.filesystem ? mkdtempSync(join(work, `storage-${mode.name}-`)) : null;
  try {
    const config = writeConfig(work, plugin, countsPath, workers, {
      name: mode.name,
      service: storage ? [`storage.path ${storage}`, 'storage.sync normal'] : [],
      input: storage ? ['storage.type filesystem'] : [],
    });
    const run = runHost(mode.command, ['-c', config], recordsFile, countsPath);
    if (run.counted !== count) throw new Error(`${mode.name} delivered ${run.counted} of ${count} records`);
    if (!storage) return { ...run, left: null };
    // The input's stream directory (stdin.0): proof that the storage settings took.
    if (!readdirSync(storage, { withFileTypes: true }).some((entry) => entry.isDirectory() && !entry.name.startsWith('.'))) {
      throw new Error(`${mode.name}: nothing was created under storage.path: is storage.type filesystem in effect?`);
    }
    return { ...run, left: filesUnder(storage) };
  } finally {
    if (storage) rmSync(storage, { recursive: true, force: true });
  }
}

/**
 * Runs per mode. Five, not three: Fluent Bit's run times move in whole
 * seconds (it checks for pending work once a second after its input ends),
 * and with three runs the median flipped the comparison between two full
 * runs of the same code (flbhost/Fluent Bit marginal 1.10, then 0.95).
 */
const RUNS = 5;

function measure(work, records, runs, fluentBit, workers) {
  const files = { full: join(work, 'records.jsonl'), baseline: join(work, 'baseline.jsonl') };
  const plugin = goFixture('out_gtagcount');
  const countsPath = join(work, 'counts.json');
  const modes = [
    // The command as users run it, through its launcher (bin/flbhost.js).
    { name: 'flbhost_memory', command: FLBHOST_BIN, filesystem: false },
    { name: 'flbhost_filesystem', command: FLBHOST_BIN, filesystem: true },
  ];
  if (fluentBit) modes.push({ name: 'fluent_bit_filesystem', command: fluentBit, filesystem: true });
  const full = Object.fromEntries(modes.map((mode) => [mode.name, []]));
  const baseline = Object.fromEntries(modes.map((mode) => [mode.name, []]));
  for (let i = 0; i < runs; i++) {
    // Interleaved, each mode first in turn, so that a noisy neighbour or a
    // warm page cache favours none of them.
    const order = [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)];
    for (const mode of order) {
      baseline[mode.name].push(runMode(work, mode, plugin, countsPath, files.baseline, BASELINE_RECORDS, workers));
      full[mode.name].push(runMode(work, mode, plugin, countsPath, files.full, records, workers));
    }
  }
  const summary = (mode) => {
    const seconds = median(full[mode.name].map((run) => run.seconds));
    const fixed = median(baseline[mode.name].map((run) => run.seconds));
    return {
      wall_seconds: seconds,
      records_per_wall_sec: records / seconds,
      fixed_seconds: fixed,
      marginal_records_per_sec: marginalRate(records, seconds, fixed),
      peak_rss_mb: median(full[mode.name].map((run) => run.peak_rss_mb)),
      ...(mode.filesystem
        ? {
            // After each run, once the host exited: every file under storage.path.
            runs_bytes_left_on_disk: full[mode.name].map((run) => run.left.bytes),
            baseline_runs_bytes_left_on_disk: baseline[mode.name].map((run) => run.left.bytes),
          }
        : {}),
      runs_wall_seconds: full[mode.name].map((run) => run.seconds),
    };
  };
  return Object.fromEntries(modes.map((mode) => [mode.name, summary(mode)]));
}

/** `ours` over `theirs`, on both rates: the marginal one is judged. */
function ratios(ours, theirs) {
  return {
    measured: ours.marginal_records_per_sec / theirs.marginal_records_per_sec,
    wall_ratio: ours.records_per_wall_sec / theirs.records_per_wall_sec,
  };
}

export function storageBench(scale = 1) {
  const records = Math.max(10_000, Math.round(1_000_000 * scale));
  const located = locateFluentBit();
  const work = mkdtempSync(join(tmpdir(), 'flbhost-storage-bench-'));
  try {
    const fluentBit = located.bin ?? null;
    writeRecords(join(work, 'records.jsonl'), records);
    writeRecords(join(work, 'baseline.jsonl'), BASELINE_RECORDS);
    const modes = measure(work, records, RUNS, fluentBit, 1);
    const two = measure(work, records, RUNS, fluentBit, 2);
    const memory = ratios(modes.flbhost_filesystem, modes.flbhost_memory);
    const atOneWorker = fluentBit ? ratios(modes.flbhost_filesystem, modes.fluent_bit_filesystem) : null;
    const versus = fluentBit ? ratios(two.flbhost_filesystem, two.fluent_bit_filesystem) : null;
    return {
      workload: 'stdin -> out_gtagcount (fluent-bit-go, decodes every record), workers 1 (top level) and 2 (workers_2), as processes; filesystem: storage.type filesystem, storage.sync normal, a fresh storage.path per run',
      records,
      storage_path_filesystem: filesystemType(work),
      ...(fluentBit ? { fluent_bit: fluentBitVersion(fluentBit) } : {}),
      note: 'wall: process start to exit; marginal: (records - 1000) / (wall - wall of a 1000-record run), which removes each host\'s fixed start and exit costs; targets are judged on the marginal rates (wall_ratio beside them); bytes left on disk: every file under storage.path after the host exited',
      ...modes,
      workers_2: two,
      targets: {
        filesystem_at_least_0_7x_memory: { target: 0.7, ...memory, met: memory.measured >= 0.7 },
        // At workers 2 (see the top of this file for why not 1); the workers 1
        // ratios beside it, reported. Without a Fluent Bit binary, what the
        // comparison reports instead (skipped, left out on request, or an error).
        ahead_of_fluent_bit_with_filesystem: versus
          ? { target: 1, workers: 2, ...versus, met: versus.measured > 1, workers_1_reported: atOneWorker }
          : located,
      },
    };
  } catch (error) {
    // One failed part must not cost the rest of `npm run bench` its report.
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const scale = Number(process.argv[2] ?? 1_000_000) / 1_000_000;
  process.stdout.write(`${JSON.stringify(storageBench(scale), null, 2)}\n`);
}
