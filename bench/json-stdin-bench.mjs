// JSON lines through stdin into a C output (out_count, which walks every
// event), with the native parser against the previous JS path
// (FLBHOST_JSON_PARSER=js: JSON.parse per line, then the encoder) in the same
// run: the real command, interleaved runs, medians. The ratio is judged on the
// marginal rate, which removes each run's fixed start and exit costs (as
// fluent-bit-compare.mjs does).
//
//   node bench/json-stdin-bench.mjs [records]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';
import { requestRecord } from './records.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const FLBHOST_BIN = join(root, 'bin', 'flbhost.js');
const OUT_COUNT = join(root, 'build', 'plugins', 'out_count.so');
const BASELINE = 1000;

/** requestRecord plus two 64-bit ids, the values the JS path loses. */
function line(i) {
  const record = JSON.stringify(requestRecord(i));
  return `${record.slice(0, -1)},"traceId":${18446744073709551615n - BigInt(i)},"spanId":${9007199254740993n + BigInt(i)}}`;
}

function run(parser, file, report) {
  rmSync(report, { force: true });
  const started = process.hrtime.bigint();
  const result = spawnSync(
    'sh',
    ['-c', 'cat "$0" | "$@"', file, process.execPath, FLBHOST_BIN, '-q', '-e', OUT_COUNT, '-i', 'stdin', '-p', 'format=json', '-o', 'count', '-p', `report=${report}`, '-m', '*', '-f', '0.2'],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 600_000, env: { ...process.env, FLBHOST_JSON_PARSER: parser } },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`flbhost (${parser}) exited with ${result.status ?? result.signal}: ${result.stderr.slice(-1000)}`);
  return { seconds, records: JSON.parse(readFileSync(report, 'utf8')).records };
}

export function jsonStdinBench(scale = 1, runs = 3) {
  const records = Math.max(20_000, Math.round(500_000 * scale));
  const work = mkdtempSync(join(tmpdir(), 'flbhost-json-stdin-'));
  try {
    const full = join(work, 'records.jsonl');
    const baseline = join(work, 'baseline.jsonl');
    writeFileSync(full, Array.from({ length: records }, (_, i) => line(i)).join('\n') + '\n');
    writeFileSync(baseline, Array.from({ length: BASELINE }, (_, i) => line(i)).join('\n') + '\n');
    const report = join(work, 'report.json');
    const times = { native: { full: [], baseline: [] }, js: { full: [], baseline: [] } };
    for (let i = 0; i < runs; i++) {
      for (const parser of i % 2 === 0 ? ['native', 'js'] : ['js', 'native']) {
        for (const [file, count, list] of [
          [baseline, BASELINE, times[parser].baseline],
          [full, records, times[parser].full],
        ]) {
          const { seconds, records: counted } = run(parser, file, report);
          if (counted !== count) throw new Error(`${parser}: out_count saw ${counted} of ${count} records`);
          list.push(seconds);
        }
      }
    }
    const summary = (parser) => {
      const wall = median(times[parser].full);
      const fixed = median(times[parser].baseline);
      return { wall_seconds: wall, records_per_wall_sec: records / wall, fixed_seconds: fixed, marginal_records_per_sec: (records - BASELINE) / (wall - fixed), runs_wall_seconds: times[parser].full };
    };
    const native = summary('native');
    const js = summary('js');
    return {
      records,
      bytes_per_record: Math.round(readFileSync(full).length / records),
      output: 'out_count (C, walks every event)',
      note: 'flbhost -i stdin -p format=json -o count; js = FLBHOST_JSON_PARSER=js (JSON.parse + encoder), native = default; marginal rate removes start/exit costs',
      native,
      js,
      native_speedup_marginal: native.marginal_records_per_sec / js.marginal_records_per_sec,
      native_speedup_wall: js.wall_seconds / native.wall_seconds,
      targets: {
        // The target: at least twice the JS path's rate, on the marginal rate.
        native_at_least_2x_js: {
          target: 2,
          measured: native.marginal_records_per_sec / js.marginal_records_per_sec,
          wall_ratio: js.wall_seconds / native.wall_seconds,
          met: native.marginal_records_per_sec / js.marginal_records_per_sec >= 2,
        },
      },
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = Number(process.argv[2] ?? 500_000);
  process.stdout.write(`${JSON.stringify(jsonStdinBench(records / 500_000), null, 2)}\n`);
}
