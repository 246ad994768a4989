// What flbhost/pino costs an application, against pino writing to /dev/null,
// in one run (the ratios are what the targets judge; absolute rates move
// with the machine's other load).
//
// Each case runs in a process of its own (bench/pino-case.mjs), interleaved,
// three runs each, medians:
//   devnull    pino → pino.destination('/dev/null'): pino's own cost
//   transport  pino → flbhost/pino → the C output out_count (which walks
//              and counts every record; the run checks it counted them all)
// Targets:
//   (a) transport_keeps_up_with_pino: records/s delivered through the
//       transport (first line to the transport's close) at least 0.9× the
//       rate pino writes them to /dev/null;
//   (b) main_thread_cpu_at_most_1_1x: the application thread's CPU time per
//       record with the transport at most 1.1× pino → /dev/null's.
//
//   node bench/pino-bench.mjs [records]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 3;

function runCase(mode, records) {
  const out = execFileSync(process.execPath, [join(root, 'bench', 'pino-case.mjs'), mode, String(records)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const result = JSON.parse(out.trim().split('\n').at(-1));
  if (result.delivered !== records) throw new Error(`${mode}: ${result.delivered} of ${records} records delivered`);
  return result;
}

function summary(runs) {
  const pick = (key) => median(runs.map((run) => run[key]));
  return {
    delivered_records_per_sec: Math.round(pick('delivered_records_per_sec')),
    logged_records_per_sec: Math.round(pick('logged_records_per_sec')),
    main_thread_cpu_ns_per_record: Math.round(pick('main_thread_cpu_ns_per_record_total')),
    process_cpu_ns_per_record: Math.round(pick('process_cpu_ns_per_record')),
    event_loop_utilization: Number(pick('event_loop_utilization').toFixed(3)),
    runs_delivered_records_per_sec: runs.map((run) => Math.round(run.delivered_records_per_sec)),
    runs_main_thread_cpu_ns_per_record: runs.map((run) => Math.round(run.main_thread_cpu_ns_per_record_total)),
  };
}

export async function pinoBench(scale = 1, recordsArg) {
  const records = recordsArg ?? Math.max(10_000, Math.round(200_000 * scale));
  process.stderr.write(`pino: ${records} records, pino → /dev/null vs pino → flbhost/pino → out_count, ${RUNS} runs each\n`);
  try {
    const runs = { devnull: [], transport: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const mode of i % 2 === 0 ? ['devnull', 'transport'] : ['transport', 'devnull']) runs[mode].push(runCase(mode, records));
    }
    const devnull = summary(runs.devnull);
    const transport = summary(runs.transport);
    // Per-run ratios too: a neighbour's burst moves one run, not all.
    const rateRatio = transport.delivered_records_per_sec / devnull.delivered_records_per_sec;
    const cpuRatio = transport.main_thread_cpu_ns_per_record / devnull.main_thread_cpu_ns_per_record;
    return {
      records,
      note: 'main-thread CPU from /proc/self/task/<pid>/schedstat; process CPU includes the transport worker; shared machine: noisy',
      devnull,
      transport,
      targets: {
        transport_keeps_up_with_pino: { target_ratio: 0.9, measured_ratio: Number(rateRatio.toFixed(3)), met: rateRatio >= 0.9 },
        main_thread_cpu_at_most_1_1x: { target_ratio: 1.1, measured_ratio: Number(cpuRatio.toFixed(3)), met: cpuRatio <= 1.1 },
      },
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = process.argv[2] ? Number(process.argv[2]) : undefined;
  process.stdout.write(`${JSON.stringify(await pinoBench(Number(process.env.FLBHOST_BENCH_SCALE ?? '1'), records), null, 2)}\n`);
}
