// npm run bench: every benchmark, one JSON document on stdout (also written
// to bench/results/latest.json); progress goes to stderr.
// FLBHOST_BENCH_SCALE=0.1 shortens every run (CI uses a small scale to prove
// the benchmarks run; the targets are judged on full runs).
// --check (npm run bench:check): a full run that then exits 1 naming every
// target not met and every part skipped or failed (bench/check-targets.mjs).
// FLUENT_BIT_BIN=none leaves the comparisons with Fluent Bit out on purpose
// (versus_fluent_bit, and storage's target against Fluent Bit).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printCheck } from './check-targets.mjs';
import { fluentBitCompare, locateFluentBit } from './fluent-bit-compare.mjs';
import { flushBench } from './flush-bench.mjs';
import { inputBench } from './input-bench.mjs';
import { isolationBench } from './isolation-bench.mjs';
import { jsonStdinBench } from './json-stdin-bench.mjs';
import { pipelineBench } from './pipeline-bench.mjs';
import { pinoBench } from './pino-bench.mjs';
import { storageBench } from './storage-bench.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const scale = Number(process.env.FLBHOST_BENCH_SCALE ?? '1');
const check = process.argv.includes('--check');

// A check that is bound to fail says so now, not after minutes of benchmarks.
function checkRefusal() {
  if (scale !== 1) return `FLBHOST_BENCH_SCALE=${process.env.FLBHOST_BENCH_SCALE}: the targets are judged on full runs only; unset it`;
  const fluentBit = locateFluentBit();
  if (fluentBit.error) return fluentBit.error;
  if (fluentBit.skipped && !fluentBit.left_out) {
    return 'no Fluent Bit binary to compare with: set FLUENT_BIT_BIN=/path/to/fluent-bit (or put fluent-bit on PATH), or FLUENT_BIT_BIN=none to leave the comparison out';
  }
  return null;
}
const refusal = check ? checkRefusal() : null;
if (refusal) {
  process.stderr.write(`bench --check: ${refusal}\n`);
  process.exit(2);
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  scale,
  flush: await flushBench(scale),
  input: await inputBench(scale),
  pipeline: await pipelineBench(scale),
  // JSON lines on stdin into a C output: the native parser against the JS path, in one run.
  json_stdin: jsonStdinBench(scale),
  isolation: await isolationBench(scale),
  pino: await pinoBench(scale),
  // Its target against Fluent Bit is skipped, or left out, as the comparison is.
  storage: storageBench(scale),
  // Skipped (and says so) unless a Fluent Bit binary is available; left out
  // on request with FLUENT_BIT_BIN=none.
  versus_fluent_bit: fluentBitCompare(Math.max(10_000, Math.round(1_000_000 * scale))),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (check && !printCheck(report)) process.exitCode = 1;
