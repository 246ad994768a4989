// flbhost against Fluent Bit itself: the same config file, the same Go output
// plugin (out_gtagcount, built against the real fluent-bit-go, which decodes
// every record), the same records on stdin. Each host runs as a process,
// timed from start to exit; the plugin's own count of records is checked
// against what was sent, so a host that loses data cannot win.
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
  // gtagcount appends {"counts":{tag:N}} when it exits.
  const lines = existsSync(countsPath) ? readFileSync(countsPath, 'utf8').trim().split('\n') : [];
  const counted = lines.length > 0 ? (JSON.parse(lines.at(-1)).counts.bench ?? 0) : 0;
  return { seconds, peak_rss_mb: rss ? Number(rss[1]) / 1024 : null, counted };
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

export function fluentBitCompare(records, runs = 3) {
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
    note: 'wall: process start to exit; marginal: (records - 1000) / (wall - wall of a 1000-record run), which removes each host\'s fixed start and exit costs',
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
    for (let i = 0; i < runs; i++) {
      // Interleaved, and each host goes first in turn, so that a noisy
      // neighbour or a warm page cache favours neither.
      const order = i % 2 === 0 ? hosts : [...hosts].reverse();
      for (const [host, command, args] of order) {
        for (const [file, count, times] of [
          [files.baseline, BASELINE_RECORDS, baseline],
          [files.full, records, wall],
        ]) {
          const run = runHost(command, args(config), file, countsPath);
          if (run.counted !== count) throw new Error(`${host} (workers ${workers}) delivered ${run.counted} of ${count} records`);
          times[host].push(run.seconds);
          if (count === records) rss[host].push(run.peak_rss_mb);
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
        peak_rss_mb: median(rss[host]),
        runs_wall_seconds: wall[host],
      };
    };
    const fb = summary('fluent_bit');
    const fh = summary('flbhost');
    result.cases[`workers_${workers}`] = {
      fluent_bit: fb,
      flbhost: fh,
      flbhost_speedup_wall: fb.wall_seconds / fh.wall_seconds,
      flbhost_speedup_marginal: fh.marginal_records_per_sec / fb.marginal_records_per_sec,
    };
  }
  // The target: ahead of Fluent Bit by 1.3x at 2 workers, judged on the marginal
  // rate like every comparison here (wall_ratio beside it). At 1 worker both
  // hosts run at the plugin's own decoding speed: reported, not judged.
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
