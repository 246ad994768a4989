/**
 * Safety net for an output's `workers`: N workers run N flushes at once,
 * never more, for TypeScript outputs and for .so outputs (whose flushes run
 * on N native threads).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatedOutput } from '../helpers/gated-output.js';
import { cPlugin } from '../helpers/paths.js';
import { pipelineHarness, sleep } from '../helpers/pipeline-harness.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();
const dir = tempDir();
// One ~1 KB record fills a chunk: each push below makes one chunk.
const service = { chunkSize: 1000 };
const pad = 'c'.repeat(1000);

describe('safety: workers', () => {
  it('a TypeScript output with 3 workers has 3 flushes in flight, never more', async () => {
    const out = gatedOutput();
    const p = pipeline({ service, register: [out.factory], inputs: [{ name: 'lib', tag: 't' }], outputs: [{ name: 'gated', match: '*', workers: 3 }] });
    await p.start();
    for (let i = 0; i < 6; i++) p.input('lib.0').push({ i, pad });
    await waitFor(() => out.pending === 3, 5000, 'three concurrent flushes');
    await sleep(200); // room for a fourth, which must not come
    expect(out.pending).toBe(3);
    expect(p.metrics().outputs['gated.0']!.inFlight).toBe(3);
    out.open();
    await waitFor(() => out.delivered.length === 6, 5000, 'all six chunks');
    expect(out.maxConcurrent).toBe(3);
  });

  it('a .so output with 3 workers receives 3 flushes at once, on 3 threads', async () => {
    const report = join(dir, 'concurrency.json');
    const p = pipeline({
      service,
      plugins: [cPlugin('out_concurrency')],
      inputs: [{ name: 'lib', tag: 't' }],
      // Each flush sleeps 500 ms: the three handed out together overlap.
      // Merging off: the three queued behind them would be one call.
      outputs: [{ name: 'concurrency', match: '*', properties: { Workers: 3, Flush_Merge_Limit: 0, sleep_ms: 500, report } }],
    });
    await p.start();
    for (let i = 0; i < 6; i++) p.input('lib.0').push({ i, pad });
    await waitFor(() => p.metrics().outputs['concurrency.0']!.records === 6, 10_000, 'all six chunks');
    await p.stop(); // the plugin writes its report at exit
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ flushes: 6, max_concurrent: 3, threads: 3 });
  });
});
