// End to end through the pipeline engine, each case in its own process (for
// its peak RSS) and beside the same plugins driven by a plain C host:
//   lib input -> C output (out_count)        vs direct_flush out_count
//   lib input -> Go output (gtagcount, decoding every record) vs direct_flush
//   C input (in_gen) -> C output (out_count)  vs direct_pipe
// Targets (issue): >= 1M ~200-byte records/s pushed from JS into the C
// output, judged on a flat and a nested record (both must pass); engine cost
// under 20% of the direct C host on C input -> C output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRecordChunk } from './record-chunk.mjs';
import { goFixture } from './go-fixture.mjs';
import { medianByRate } from './median.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = (name) => join(root, 'build', 'plugins', `${name}.so`);
const tool = (name) => join(root, 'build', 'bench', name);
const work = mkdtempSync(join(tmpdir(), 'flbhost-bench-'));

function runCase(mode, records, extra = []) {
  const out = execFileSync(process.execPath, [join(root, 'bench', 'pipeline-case.mjs'), mode, String(records), ...extra], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

/** The median of `runs` runs of a case (see median.mjs for why). */
function runCaseMedian(mode, records, runs = 3, extra = []) {
  return medianByRate(Array.from({ length: runs }, () => runCase(mode, records, extra)));
}

function runTool(args) {
  const out = execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.trim().split('\n').pop());
}

/** The same records the lib case pushes, as one 10,000-record chunk file for the direct host. */
function recordChunkFile() {
  return writeRecordChunk(join(work, 'records-10000.msgpack'), 10_000);
}

export async function pipelineBench(scale) {
  const n = (count) => Math.max(10_000, Math.round(count * scale));
  const chunkFile = recordChunkFile();
  const results = {};

  process.stderr.write('bench: pipeline lib -> C output\n');
  const libC = runCaseMedian('lib-c', n(2_000_000));
  const libCDirect = runTool([tool('direct_flush'), plugin('out_count'), chunkFile, String(Math.max(5, Math.round(200 * scale)))]);
  results.lib_to_c_output = { flbhost: libC, direct_plugin_records_per_sec: libCDirect.flushes_per_sec * 10_000 };
  // The same size of record without nesting: the encoder's cost is per key and value.
  results.lib_to_c_output_flat_records = { flbhost: runCaseMedian('lib-c-flat', n(2_000_000)) };

  process.stderr.write('bench: pipeline lib -> Go output\n');
  try {
    const go = goFixture('out_gtagcount');
    const libGo = runCase('lib-go', n(500_000), [go]);
    const goDirect = runTool([tool('direct_flush'), go, chunkFile, String(Math.max(3, Math.round(50 * scale))), `path=${join(work, 'direct-counts.json')}`]);
    results.lib_to_go_output = { flbhost: libGo, direct_plugin_records_per_sec: goDirect.flushes_per_sec * 10_000 };
  } catch (error) {
    results.lib_to_go_output = { skipped: `Go fixture unavailable: ${error.message}` };
  }

  process.stderr.write('bench: pipeline C input -> C output\n');
  const total = n(4_000_000);
  const cc = runCase('c-c', total);
  const ccDirect = runTool([tool('direct_pipe'), plugin('in_gen'), plugin('out_count'), String(total), 'in.records=1000', 'in.record_bytes=100']);
  const engineCost = ccDirect.records_per_sec / cc.records_per_sec - 1;
  results.c_input_to_c_output = { flbhost: cc, direct: ccDirect, engine_cost: engineCost };

  const flat = results.lib_to_c_output_flat_records.flbhost.records_per_sec;
  return {
    ...results,
    targets: {
      // The issue asks for ~200-byte records; the bench pushes two shapes of
      // that size and judges both: pino's default keys (level, time, pid,
      // hostname, msg) with a long message, and a nested pino-http request
      // log, which costs the encoder more (13 keys and 3 maps against 5 and 1).
      lib_to_c_at_least_1m_records_per_sec: {
        target: 1e6,
        flat_pino_default_record: { measured: flat, met: flat >= 1e6 },
        nested_pino_http_record: { measured: libC.records_per_sec, met: libC.records_per_sec >= 1e6 },
        met: flat >= 1e6 && libC.records_per_sec >= 1e6,
      },
      engine_cost_under_20_percent_c_to_c: { target: 0.2, measured: engineCost, met: engineCost < 0.2 },
    },
  };
}
