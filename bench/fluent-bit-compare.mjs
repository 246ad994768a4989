// flbhost against Fluent Bit itself: the same config file, the same Go output
// plugin (out_gtagcount, built against the real fluent-bit-go, which decodes
// every record), the same records on stdin. Each host runs as a process,
// timed from start to exit; the plugin's own count of records is checked
// against what was sent, so a host that loses data cannot win. Beside them,
// in the same run: the plugin's own ceiling (bench/direct_flush calling its
// flush on `workers` threads with nothing else running, 2 MB per flush as
// Fluent Bit's chunks), and the rate each host fed it while it had records
// (gtagcount's first flush start to last flush end).
//
// Needs a Fluent Bit binary: FLUENT_BIT_BIN, or `fluent-bit` on PATH. flbhost
// does not ship or build Fluent Bit; without one this part reports skipped.
//
//   FLUENT_BIT_BIN=/path/to/fluent-bit node bench/fluent-bit-compare.mjs [records]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goFixture } from './go-fixture.mjs';
import { median } from './median.mjs';
import { writeRecordChunk } from './record-chunk.mjs';
import { requestRecord } from './records.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export function findFluentBit() {
  if (process.env.FLUENT_BIT_BIN) return process.env.FLUENT_BIT_BIN;
  try {
    return execFileSync('sh', ['-c', 'command -v fluent-bit'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * One config for both hosts: Fluent Bit's classic format, which flbhost reads
 * as is. `extra.service`, `extra.input` and `extra.output` are lines added to
 * those sections
 * (the storage bench adds storage settings, the isolation bench `Isolation`);
 * `name` names the file.
 */
export function writeConfig(work, plugin, countsPath, workers, extra = {}) {
  const indent = (lines = []) => lines.map((line) => `    ${line}`);
  writeFileSync(join(work, 'plugins.conf'), `[PLUGINS]\n    Path ${plugin}\n`);
  const config = join(work, `${extra.name ?? 'fluent-bit'}-w${workers}.conf`);
  writeFileSync(
    config,
    [
      '[SERVICE]',
      '    Flush        0.2',
      '    Grace        30',
      '    Log_Level    warn',
      '    Plugins_File plugins.conf',
      ...indent(extra.service),
      '[INPUT]',
      '    Name stdin',
      '    Tag  bench',
      ...indent(extra.input),
      '[OUTPUT]',
      '    Name    gtagcount',
      '    Match   *',
      `    path    ${countsPath}`,
      `    Workers ${workers}`,
      ...indent(extra.output),
      '',
    ].join('\n'),
  );
  return config;
}

/**
 * Runs one host on the records file; wall seconds, peak RSS (GNU time) and
 * the plugin's count. `command` is Fluent Bit's binary or bin/flbhost.js.
 */
export function runHost(command, args, recordsFile, countsPath) {
  rmSync(countsPath, { force: true });
  const started = process.hrtime.bigint();
  // Through a pipe, as a log shipper is fed: Fluent Bit's stdin input cannot
  // watch a regular file with epoll.
  const run = spawnSync('sh', ['-c', 'cat "$0" | /usr/bin/time -f peak_rss_kb=%M "$@"', recordsFile, command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 600_000,
    // bin/flbhost.js execs the `node` on PATH: make that this bench's node.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} exited with ${run.status ?? run.signal}: ${run.stderr.slice(-2000)}`);
  const rss = /peak_rss_kb=(\d+)/.exec(run.stderr);
  // gtagcount appends {"counts":{tag:N}, first_flush_start_unix_ns, last_flush_end_unix_ns} when it exits.
  const lines = existsSync(countsPath) ? readFileSync(countsPath, 'utf8').trim().split('\n') : [];
  const last = lines.length > 0 ? JSON.parse(lines.at(-1)) : undefined;
  const counted = last?.counts.bench ?? 0;
  const busySeconds = last ? (last.last_flush_end_unix_ns - last.first_flush_start_unix_ns) / 1e9 : NaN;
  return { seconds, peak_rss_mb: rss ? Number(rss[1]) / 1024 : null, counted, plugin_records_per_sec: counted / busySeconds };
}

/** Records per chunk for the ceiling: ~2 MB, the size Fluent Bit's chunks (and flbhost's) are cut at. */
const CEILING_CHUNK_RECORDS = 10_000;

/**
 * The plugin's own rate with `workers` threads calling its flush with
 * nothing else running (bench/direct_flush --threads), fed `chunks` ~2 MB
 * chunks per call: with 1, what no host feeding it Fluent Bit's 2 MB flushes
 * can pass; with 4, what merged flushes (Flush_Merge_Limit 8M) allow.
 * Skipped when the bench tools are not built.
 */
function pluginCeiling(work, plugin, workers, chunks) {
  const tool = join(root, 'build', 'bench', 'direct_flush');
  if (!existsSync(tool)) return { skipped: `${tool} is not built` };
  const records = CEILING_CHUNK_RECORDS * chunks;
  const chunkFile = join(work, `ceiling-${records}.msgpack`);
  if (!existsSync(chunkFile)) writeRecordChunk(chunkFile, records);
  const calls = String(Math.ceil(15 / chunks));
  const out = execFileSync(tool, ['--threads', String(workers), plugin, chunkFile, calls, `path=${join(work, 'ceiling-counts.json')}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.trim().split('\n').pop()).flushes_per_sec * records;
}

/** Records of the small run whose time is each host's fixed cost (start, EOF handling, exit). */
export const BASELINE_RECORDS = 1000;

export function writeRecords(path, count) {
  writeFileSync(path, Array.from({ length: count }, (_, i) => JSON.stringify(requestRecord(i))).join('\n') + '\n');
}

/** What a part that needs Fluent Bit reports when there is none. */
export const NO_FLUENT_BIT = 'no Fluent Bit binary: set FLUENT_BIT_BIN (or put fluent-bit on PATH) to compare';

/**
 * The Fluent Bit binary to compare with, as `{ bin }`, or what a part that
 * needs it reports instead: skipped (none found), left out (FLUENT_BIT_BIN=none,
 * on purpose; bench/check-targets.mjs accepts that), or an error (no such file).
 */
export function locateFluentBit() {
  if (process.env.FLUENT_BIT_BIN === 'none') return { skipped: 'FLUENT_BIT_BIN=none: left out on request', left_out: true };
  const bin = findFluentBit();
  if (!bin) return { skipped: NO_FLUENT_BIT };
  if (!existsSync(bin)) return { error: `FLUENT_BIT_BIN=${bin}: no such file` };
  return { bin };
}

export function fluentBitVersion(bin) {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0];
}

/** The flbhost command as users run it: its launcher sets the Node flags it ships with. */
export const FLBHOST_BIN = join(root, 'bin', 'flbhost.js');

/** The marginal rate: records beyond a BASELINE_RECORDS run, over the time they added. */
export function marginalRate(records, seconds, baselineSeconds) {
  return (records - BASELINE_RECORDS) / (seconds - baselineSeconds);
}

// Five runs: Fluent Bit's exit moves in whole seconds, and with three one
// unlucky second moved its median by 12 %.
export function fluentBitCompare(records, runs = 5) {
  const located = locateFluentBit();
  if (!located.bin) return located;
  const fluentBit = located.bin;
  const work = mkdtempSync(join(tmpdir(), 'flbhost-vs-fluent-bit-'));
  try {
    return compareIn(work, fluentBit, records, runs);
  } catch (error) {
    // One failed comparison must not cost the rest of `npm run bench` its report.
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function compareIn(work, fluentBit, records, runs) {
  const version = fluentBitVersion(fluentBit);
  const files = { full: join(work, 'records.jsonl'), baseline: join(work, 'baseline.jsonl') };
  writeRecords(files.full, records);
  writeRecords(files.baseline, BASELINE_RECORDS);
  const plugin = goFixture('out_gtagcount');
  const countsPath = join(work, 'counts.json');
  const result = {
    fluent_bit: version,
    records,
    plugin: 'out_gtagcount (fluent-bit-go, decodes every record)',
    // Why two figures: wall time includes fixed costs that are not throughput.
    // Fluent Bit, after stdin's EOF, checks for pending work on a 1-second
    // timer, so every run lasts at least about a second after its input ends;
    // flbhost pays Node's start-up. The marginal rate divides the extra
    // records by the extra time over a 1,000-record run of the same host.
    note: 'wall: process start to exit; marginal: (records - 1000) / (wall - wall of a 1000-record run), which removes each host\'s fixed start and exit costs; plugin: records over the time from the first flush\'s start to the last one\'s end, as the plugin saw it; plugin_ceiling: the plugin alone on `workers` threads, 2 MB per flush (bench/direct_flush), and 8 MB per flush (merged_8mb)',
    cases: {},
  };
  const hosts = [
    ['fluent_bit', fluentBit, (config) => ['-c', config]],
    // The command as users run it: its launcher line sets the Node flags it
    // ships with (a 2 MB young generation), which `node bin/flbhost.js` skips.
    ['flbhost', FLBHOST_BIN, (config) => ['-c', config]],
  ];
  for (const workers of [1, 2]) {
    const config = writeConfig(work, plugin, countsPath, workers);
    const wall = { fluent_bit: [], flbhost: [] };
    const baseline = { fluent_bit: [], flbhost: [] };
    const rss = { fluent_bit: [], flbhost: [] };
    const fed = { fluent_bit: [], flbhost: [] };
    const ceiling = [];
    const mergedCeiling = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, and each host goes first in turn, so that a noisy
      // neighbour or a warm page cache favours neither.
      const order = i % 2 === 0 ? hosts : [...hosts].reverse();
      ceiling.push(pluginCeiling(work, plugin, workers, 1));
      mergedCeiling.push(pluginCeiling(work, plugin, workers, 4));
      for (const [host, command, args] of order) {
        for (const [file, count, times] of [
          [files.baseline, BASELINE_RECORDS, baseline],
          [files.full, records, wall],
        ]) {
          const run = runHost(command, args(config), file, countsPath);
          if (run.counted !== count) throw new Error(`${host} (workers ${workers}) delivered ${run.counted} of ${count} records`);
          times[host].push(run.seconds);
          if (count === records) {
            rss[host].push(run.peak_rss_mb);
            fed[host].push(run.plugin_records_per_sec);
          }
        }
      }
    }
    const summary = (host) => {
      const seconds = median(wall[host]);
      const fixed = median(baseline[host]);
      return {
        wall_seconds: seconds,
        records_per_wall_sec: records / seconds,
        fixed_seconds: fixed,
        marginal_records_per_sec: marginalRate(records, seconds, fixed),
        plugin_records_per_sec: median(fed[host]),
        peak_rss_mb: median(rss[host]),
        runs_wall_seconds: wall[host],
      };
    };
    const fb = summary('fluent_bit');
    const fh = summary('flbhost');
    const top = ceiling.every((c) => typeof c === 'number') ? median(ceiling) : undefined;
    const mergedTop = mergedCeiling.every((c) => typeof c === 'number') ? median(mergedCeiling) : undefined;
    result.cases[`workers_${workers}`] = {
      fluent_bit: fb,
      flbhost: fh,
      flbhost_speedup_wall: fb.wall_seconds / fh.wall_seconds,
      flbhost_speedup_marginal: fh.marginal_records_per_sec / fb.marginal_records_per_sec,
      flbhost_speedup_plugin: fh.plugin_records_per_sec / fb.plugin_records_per_sec,
      plugin_ceiling: top === undefined
        ? ceiling.find((c) => typeof c !== 'number')
        : {
            records_per_sec: top,
            fluent_bit_fraction: fb.plugin_records_per_sec / top,
            flbhost_fraction: fh.plugin_records_per_sec / top,
            merged_8mb_records_per_sec: mergedTop,
            merged_8mb_speedup: mergedTop / top,
          },
    };
  }
  // The target: ahead of Fluent Bit by 1.3x at 2 workers, judged on the marginal
  // rate like every comparison here (wall_ratio beside it). At 1 worker both
  // hosts run at the plugin's own decoding speed: reported, not judged.
  // Fed 2 MB flushes, Fluent Bit kept this plugin at 69-89 % of its ceiling
  // (plugin_ceiling): 1.3x that is mostly more than the plugin can do with
  // flushes of that size. flbhost's lead comes from merging a backlog into
  // bigger flushes (Flush_Merge_Limit), which make the plugin itself faster.
  const two = result.cases.workers_2;
  result.targets = {
    ahead_1_3x_at_2_workers: { target: 1.3, measured: two.flbhost_speedup_marginal, wall_ratio: two.flbhost_speedup_wall, met: two.flbhost_speedup_marginal >= 1.3 },
  };
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = Number(process.argv[2] ?? 1_000_000);
  process.stdout.write(`${JSON.stringify(fluentBitCompare(records), null, 2)}\n`);
}
