// Input plugins into JS: bytes/s and records/s, raw (chunks as copied out of
// plugin memory) and decoded (events), from the C generator and a Go input.
//
// Targets: the raw path is limited by its one copy (>= 1 GB/s with 1 MB
// chunks); the decoded path is within 1.5x of the decoder's own speed on the
// same bytes (so the hand-off adds little to decoding itself).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeChunk, loadPlugin } from '../dist/index.js';
import { medianByRate } from './median.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = (name) => join(root, 'build', 'plugins', `${name}.so`);

/** Runs an input with a flowing listener until `chunks` chunks arrived. */
async function drive(lib, properties, chunks, mode) {
  const input = await lib.createInput({ properties, interval: 0, bufferLimit: 64 * 1024 * 1024 });
  let received = 0;
  let bytes = 0;
  let records = 0;
  let result;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => {
    // Counted at the moment the last chunk is handled: events of later
    // chunks in the same batch must not inflate the rate.
    const done = () => {
      if (++received !== chunks) return;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      result = { seconds, chunks: received, bytes, records, bytes_per_sec: bytes / seconds, records_per_sec: records / seconds };
      resolve();
    };
    if (mode === 'raw') {
      input.on('chunk', (chunk) => {
        bytes += chunk.data.length;
        done();
      });
    } else {
      input.on('chunk', (chunk) => {
        bytes += chunk.data.length;
      });
      input.on('event', () => {
        records++;
      });
      input.on('chunk', done);
    }
  });
  input.removeAllListeners('chunk');
  input.removeAllListeners('event');
  await input.close();
  return result;
}

/** The decoder alone, on one real chunk from the same plugin and settings. */
async function codecRate(lib, properties, seconds) {
  const input = await lib.createInput({ properties, interval: 0 });
  const sample = await new Promise((resolve) => input.once('chunk', (chunk) => resolve(chunk.data)));
  await input.close();
  let events = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    events += decodeChunk(sample, 'bench').events.length;
    bytes += sample.length;
    elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  }
  return { bytes_per_sec: bytes / elapsed, records_per_sec: events / elapsed, chunk_bytes: sample.length };
}

export async function inputBench(scale) {
  const gen = await loadPlugin(plugin('in_gen'));
  const chunks = (n) => Math.max(5, Math.round(n * scale));

  process.stderr.write('bench: C generator, raw 1 MB chunks\n');
  const rawLarge = await drive(gen, { records: 1000, record_bytes: 1000 }, chunks(2000), 'raw');

  // Typical small log records, ~100 per chunk, decoded into JS objects.
  const small = { records: 100, record_bytes: 60 };
  process.stderr.write('bench: C generator, decoded small records\n');
  // Both sides of the ratio are medians of three runs, taken in turn: single
  // runs of either varied by 1.5x on this shared machine, which moved the
  // ratio across its target by chance.
  const decodedRuns = [];
  const codecRuns = [];
  for (let run = 0; run < 3; run++) {
    decodedRuns.push(await drive(gen, small, chunks(20000), 'decoded'));
    codecRuns.push(await codecRate(gen, small, Math.max(0.5, 2 * scale)));
  }
  const decodedSmall = medianByRate(decodedRuns);
  const codec = medianByRate(codecRuns);

  process.stderr.write('bench: Go input (fluent-bit-go encoder), decoded\n');
  let goInput = null;
  try {
    const { goFixture } = await import('./go-fixture.mjs');
    const gdummy = await loadPlugin(goFixture('in_gdummy'));
    goInput = await drive(gdummy, { records: 1000 }, chunks(500), 'decoded');
  } catch (error) {
    goInput = { skipped: `Go fixture unavailable: ${error.message}` };
  }

  const decodedRatio = codec.records_per_sec / decodedSmall.records_per_sec;
  return {
    c_generator_raw_1mb_chunks: rawLarge,
    c_generator_decoded_small_records: decodedSmall,
    decoder_alone_same_bytes: codec,
    go_input_decoded: goInput,
    targets: {
      raw_path_at_least_1gb_per_sec: { target_bytes_per_sec: 1e9, measured: rawLarge.bytes_per_sec, met: rawLarge.bytes_per_sec >= 1e9 },
      decoded_within_1_5x_of_decoder: { target_ratio: 1.5, measured_ratio: decodedRatio, met: decodedRatio <= 1.5 },
    },
  };
}
