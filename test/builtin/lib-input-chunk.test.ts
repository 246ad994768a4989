/**
 * LibInput.pushChunk (flbhost/pino hands the native parser's chunks to it):
 * order with push(), the tag, backpressure and 'drain', a reload's switch
 * (chunks wait for the next generation) and close(), with real pipelines.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LibInput } from '../../src/builtin/lib-input.js';
import { nativeJsonLinesToChunks } from '../../src/builtin/json-chunks.js';
import type { PipelineConfig } from '../../src/index.js';
import { gatedOutput } from '../helpers/gated-output.js';
import { pipelineHarness, sleep } from '../helpers/pipeline-harness.js';
import { recordingOutput } from '../helpers/test-output.js';
import { waitFor } from '../helpers/wait.js';

const pipeline = pipelineHarness();

/** One chunk of records {seq} for `from`..`to`, made by the native parser, as the transport does. */
function chunkOf(from: number, to: number, pad = '') {
  const lines = Array.from({ length: to - from + 1 }, (_, i) => `{"seq":${from + i}${pad && `,"pad":"${pad}"`}}\n`).join('');
  const { chunks } = nativeJsonLinesToChunks(Buffer.from(lines), { objectsOnly: true });
  expect(chunks).toHaveLength(1);
  return chunks[0]!;
}
const seqs = (events: Array<{ record: unknown }>): number[] => events.map((event) => (event.record as { seq: number }).seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('LibInput.pushChunk', () => {
  it('keeps the order of records pushed one by one and chunks pushed whole, and their tags', async () => {
    const out = recordingOutput('rec');
    const p = pipeline({ register: [out.factory], inputs: [{ name: 'lib', tag: 'app' }], outputs: [{ name: 'rec', match: '*' }] });
    await p.start();
    const lib = p.input('lib.0');
    lib.push({ seq: 1 });
    expect(lib.pushChunk(chunkOf(2, 4))).toBe(true);
    lib.push({ seq: 5 });
    lib.push({ seq: 6 });
    lib.pushChunk(chunkOf(7, 8));
    lib.pushChunk(chunkOf(9, 9), 'other');
    await waitFor(() => out.delivered().length >= 9, 5000, 'every record');
    const events = out.delivered();
    expect(seqs(events.filter((event) => event.tag === 'app'))).toEqual(range(1, 8));
    expect(seqs(events.filter((event) => event.tag === 'other'))).toEqual([9]);
    expect(p.metrics().inputs['lib.0']!.records).toBe(9);
  });

  it("says false once the pipeline holds Mem_Buf_Limit, keeps every chunk, and emits 'drain' when it resumes", async () => {
    const out = gatedOutput();
    const p = pipeline({ register: [out.factory], inputs: [{ name: 'lib', tag: 't', memBufLimit: 4096 }], outputs: [{ name: 'gated', match: '*' }] });
    await p.start();
    const lib = p.input('lib.0');
    const answers: boolean[] = [];
    // Handed over at the end of each turn (below 64 KiB): the pause is decided then.
    for (let i = 0; i < 20; i++) {
      answers.push(lib.pushChunk(chunkOf(i * 10, i * 10 + 9, 'p'.repeat(40))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(answers).toContain(false);
    expect(p.metrics().inputs['lib.0']!.paused).toBe(true);
    const drained = once(lib, 'drain');
    out.open();
    await drained;
    await waitFor(() => out.delivered.length >= 200, 5000, 'every record');
    expect(seqs(out.delivered).sort((a, b) => a - b)).toEqual(range(0, 199));
    expect(p.metrics().inputs['lib.0']!.droppedRecords).toBe(0);
  });

  it('keeps chunks pushed between two generations of a reload for the next one', async () => {
    const a = gatedOutput('a');
    const b = recordingOutput('b');
    const config = (output: string): PipelineConfig => ({ register: [a.factory, b.factory], inputs: [{ name: 'lib', tag: 'app' }], outputs: [{ name: output, match: '*' }] });
    const p = pipeline(config('a'));
    await p.start();
    const lib = p.input('lib.0');
    lib.pushChunk(chunkOf(1, 50));
    await waitFor(() => a.pending > 0, 5000, 'a flush of the old output');
    const reloading = p.reload(config('b'));
    await sleep(50);
    expect(lib.pushChunk(chunkOf(51, 60))).toBe(false); // wait: no generation runs the input now
    const drained = once(lib, 'drain');
    a.open();
    await reloading;
    await drained;
    expect(lib.pushChunk(chunkOf(61, 70))).toBe(true);
    await waitFor(() => b.delivered().length >= 20, 5000, 'the records after the switch');
    expect(seqs(a.delivered)).toEqual(range(1, 50));
    expect(seqs(b.delivered())).toEqual(range(51, 70));
  });

  it('close() counts the chunks no generation took; later ones throw', () => {
    const lib = new LibInput(); // never attached: what it is given waits
    lib.push({ seq: 0 });
    lib.pushChunk(chunkOf(1, 5));
    expect(lib.close('the pipeline is stopped')).toBe(6);
    expect(() => lib.pushChunk(chunkOf(6, 6))).toThrow('lib: the pipeline is stopped; the records were not taken');
  });
});
