// npm run bench: every benchmark, one JSON document on stdout (also written
// to bench/results/latest.json); progress goes to stderr.
// FLBHOST_BENCH_SCALE=0.1 shortens every run (CI uses a small scale to prove
// the benchmarks run; the targets are judged on full runs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fluentBitCompare } from './fluent-bit-compare.mjs';
import { flushBench } from './flush-bench.mjs';
import { inputBench } from './input-bench.mjs';
import { pipelineBench } from './pipeline-bench.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const scale = Number(process.env.FLBHOST_BENCH_SCALE ?? '1');

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  scale,
  flush: await flushBench(scale),
  input: await inputBench(scale),
  pipeline: await pipelineBench(scale),
  // Skipped (and says so) unless a Fluent Bit binary is available.
  versus_fluent_bit: fluentBitCompare(Math.max(10_000, Math.round(1_000_000 * scale))),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
