// One end-to-end pipeline benchmark case, run in its own process so that its
// peak RSS is its own. Timed from the first record until stop() has
// delivered everything (plugin loading and Init are not timed). Prints one
// JSON line. Used by bench/pipeline-bench.mjs.
//   node bench/pipeline-case.mjs lib-c|lib-go|c-c RECORDS [goPlugin.so]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flatRecord, requestRecord } from './records.mjs';
import { pino } from 'pino';
import { Pipeline } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = (name) => join(root, 'build', 'plugins', `${name}.so`);
const [mode, recordsArg, goPlugin] = process.argv.slice(2);
const records = Number(recordsArg);
const logger = pino({ level: 'warn' }, pino.destination(2));
const work = mkdtempSync(join(tmpdir(), 'flbhost-bench-'));

/**
 * This process's peak resident set. Not getrusage's maxrss: Linux keeps it
 * across execve, so a child would report its parent's peak. VmHWM belongs to
 * the process image.
 */
function peakRssMb() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : null;
}

async function whenProduced(pipeline, input, total) {
  while (pipeline.metrics().inputs[input].records < total) await new Promise((resolve) => setTimeout(resolve, 1));
}

let pipeline;
let started;
if (mode === 'lib-c' || mode === 'lib-c-flat' || mode === 'lib-go') {
  const [so, name, properties] =
    mode === 'lib-go' ? [goPlugin, 'gtagcount', { path: join(work, 'counts.json') }] : [plugin('out_count'), 'count', {}];
  const make = mode === 'lib-c-flat' ? flatRecord : requestRecord;
  pipeline = new Pipeline({
    logger,
    plugins: [so],
    inputs: [{ name: 'lib', tag: 'bench' }],
    outputs: [{ name, match: '*', properties }],
  });
  await pipeline.start();
  const lib = pipeline.input('lib.0');
  started = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    if (!lib.push(make(i))) await new Promise((resolve) => lib.once('drain', resolve));
  }
} else if (mode === 'c-c') {
  pipeline = new Pipeline({
    logger,
    plugins: [plugin('in_gen'), plugin('out_count')],
    inputs: [{ name: 'gen', tag: 'bench', interval: 0, properties: { records: 1000, record_bytes: 100, total: records } }],
    outputs: [{ name: 'count', match: '*' }],
  });
  await pipeline.start();
  started = process.hrtime.bigint();
  await whenProduced(pipeline, 'gen.0', records);
} else {
  throw new Error(`unknown case ${mode}`);
}
// stop() closes the last open chunks at once and returns when all is delivered.
const report = await pipeline.stop();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (!report.complete) throw new Error(`not everything was delivered: ${JSON.stringify(report)}`);
const output = Object.values(pipeline.metrics().outputs)[0];
process.stdout.write(
  `${JSON.stringify({
    case: mode,
    records: output.records,
    bytes: output.bytes,
    seconds,
    records_per_sec: output.records / seconds,
    bytes_per_sec: output.bytes / seconds,
    peak_rss_mb: peakRssMb(),
  })}\n`,
);
