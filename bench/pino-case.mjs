// One run of the pino benchmark, in a process of its own so that its
// main-thread CPU time is only its own. Prints one JSON line.
//   node bench/pino-case.mjs devnull|transport RECORDS
//
// The application: a pino logger writing pino-http-shaped request logs, one
// setImmediate turn every 1,000 lines (a service between requests), either
// to /dev/null (pino's own cost: serialise, write(2)) or through flbhost/pino
// into the C output out_count (it walks and counts every record, and writes
// its totals at exit, which the run checks).
//
// Timed from the first line to "delivered": for /dev/null, the last write;
// for the transport, its 'close' after transport.end() (the worker has
// closed: the pipeline stopped with every record flushed).
// Main-thread CPU comes from /proc/self/task/<pid>/schedstat (nanoseconds
// the main thread ran; process.cpuUsage() would count the transport's worker
// thread too, and Node 20 has no process.threadCpuUsage()).
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

const root = fileURLToPath(new URL('..', import.meta.url));
const [mode, recordsArg] = process.argv.slice(2);
const records = Number(recordsArg);
const report = join(mkdtempSync(join(tmpdir(), 'flbhost-pino-bench-')), 'count.json');

function mainThreadCpuNs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
}

let destination;
if (mode === 'transport') {
  destination = pino.transport({
    target: join(root, 'dist', 'pino', 'index.js'),
    options: { plugin: join(root, 'build', 'plugins', 'out_count.so'), properties: { report }, logLevel: 'warn' },
  });
  await once(destination, 'ready');
} else {
  destination = pino.destination('/dev/null');
}
const logger = pino({ base: { pid: 4242, hostname: 'api-7f9c-2' } }, destination);

const elu = performance.eventLoopUtilization();
const cpuStart = mainThreadCpuNs();
const processCpu = process.cpuUsage();
const started = process.hrtime.bigint();
for (let i = 0; i < records; i++) {
  logger.info(
    { reqId: `req-${i}`, req: { method: 'GET', url: `/v1/orders/${i}?expand=items`, remoteAddress: '10.0.3.17' }, res: { statusCode: 200 }, responseTime: 12.5 },
    'request completed',
  );
  if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
}
const loggedNs = Number(process.hrtime.bigint() - started);
const loggedCpuNs = mainThreadCpuNs() - cpuStart;
if (mode === 'transport') {
  // end() blocks until the worker has closed, unless a write is under way:
  // then it finishes later, hence 'close' (ref: pino unrefs the transport).
  destination.ref();
  const closed = once(destination, 'close');
  destination.end();
  await closed;
} else destination.flushSync();
const deliveredNs = Number(process.hrtime.bigint() - started);
const mainCpuNs = mainThreadCpuNs() - cpuStart;
const { utilization } = performance.eventLoopUtilization(elu);
const cpu = process.cpuUsage(processCpu);

let delivered = records;
if (mode === 'transport') delivered = JSON.parse(readFileSync(report, 'utf8')).records;
process.stdout.write(
  `${JSON.stringify({
    mode,
    records,
    delivered,
    logged_records_per_sec: records / (loggedNs / 1e9),
    delivered_records_per_sec: delivered / (deliveredNs / 1e9),
    // While logging: what the application's thread spent per line.
    main_thread_cpu_ns_per_record_logging: loggedCpuNs / records,
    // Including end(): the wait thread-stream does on the main thread.
    main_thread_cpu_ns_per_record_total: mainCpuNs / records,
    process_cpu_ns_per_record: ((cpu.user + cpu.system) * 1000) / records,
    event_loop_utilization: utilization,
  })}\n`,
);
process.exit(0);
