/**
 * The shared chunk corpus (test/fixtures/chunks/corpus.json) against every
 * walker: the TypeScript event walker under its three policies (through
 * validateChunk, normalizeInputChunk and decodeChunk, the functions that use
 * it) and the input thread's check (native/chunk_check.cc), reached the way a
 * plugin reaches it: plugins-c/in_replay.c hands each case's bytes over as its
 * callback's chunk, and what the input instance reports (chunks, events,
 * malformedChunks, the logged failure) must equal the lenient walker's result.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkError } from '../../src/errors.js';
import { validateChunk } from '../../src/events/chunk.js';
import { decodeChunk } from '../../src/events/decoder.js';
import { walkChunk, type EventFailure } from '../../src/events/event-walker.js';
import { normalizeInputChunk, rewriteTimestamps } from '../../src/events/normalize.js';
import { loadPlugin, type InputChunk } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { loadCorpus, type CorpusCase, type Expected } from '../fixtures/chunks/corpus.js';

const corpus = loadCorpus();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The expected failure, with a truncation case's offset taken from `actual` (it is compared across walkers instead). */
function expectedFailure(c: CorpusCase, expected: Expected, actual: EventFailure | undefined): EventFailure | undefined {
  if (!expected.failure) return undefined;
  return c.truncation ? { ...expected.failure, offset: actual?.offset ?? -1 } : expected.failure;
}

describe('chunk corpus: the TypeScript event walker', () => {
  it('has cases of every kind, and truncations at every byte', () => {
    expect(corpus.filter((c) => !c.truncation).length).toBeGreaterThan(50);
    expect(corpus.filter((c) => c.truncation).length).toBeGreaterThan(60);
  });

  for (const c of corpus) {
    it(c.name, () => {
      // strict: validateChunk, what an output may get.
      const strict = walkChunk(c.bytes, 'strict');
      expect(strict.events.length, 'strict events').toBe(c.strict.events);
      expect(strict.failure, 'strict failure').toEqual(expectedFailure(c, c.strict, strict.failure));
      if (strict.failure) {
        const { event, offset, message } = strict.failure;
        expect(() => validateChunk(c.bytes)).toThrow(new ChunkError(message, event, offset));
      } else {
        expect(validateChunk(c.bytes).events).toBe(c.strict.events);
      }

      // lenient: normalizeInputChunk, what an input's bytes become.
      const lenient = walkChunk(c.bytes, 'lenient');
      expect(lenient.events.length, 'lenient events').toBe(c.lenient.events);
      expect(lenient.failure, 'lenient failure').toEqual(expectedFailure(c, c.lenient, lenient.failure));
      const normalized = rewriteTimestamps(c.bytes.subarray(0, lenient.validBytes), lenient.events);
      expect(hex(normalized), 'normalized bytes').toBe(hex(c.lenient.normalized));
      const result = normalizeInputChunk(c.bytes);
      expect(result.failure).toEqual(lenient.failure);
      expect(result.chunk.events).toBe(c.lenient.events);
      const mixed = lenient.hasV1 && lenient.hasV2;
      expect(hex(result.chunk.data)).toBe(hex(mixed ? validateChunk(normalized, 'v2').data : normalized));
      // What normalisation makes is always fit for outputs.
      expect(validateChunk(normalized).events).toBe(c.lenient.events);

      // decode: decodeChunk, events as JS objects.
      const decoded = decodeChunk(c.bytes, 't');
      expect(decoded.events.length, 'decoded events').toBe(c.decode.events);
      expect(decoded.failure, 'decode failure').toEqual(expectedFailure(c, c.decode, decoded.failure));
      expect(walkChunk(c.bytes, 'decode').failure).toEqual(decoded.failure);

      // A truncation is one failure, at one offset, whatever the policy.
      if (c.truncation) {
        expect(lenient.failure!.offset).toBe(strict.failure!.offset);
        expect(decoded.failure!.offset).toBe(strict.failure!.offset);
        expect(strict.failure!.offset).toBeLessThanOrEqual(c.bytes.length);
      }
    });
  }
});

interface NativeOutcome {
  events: number;
  data: string;
  format?: InputChunk['format'];
  malformedChunks: number;
  failure?: EventFailure;
}

describe('chunk corpus: the input thread check, through a real input plugin', () => {
  it('reports, for every case, exactly what the lenient walker reports', async () => {
    const { logger, lines } = captureLogger('warn');
    const lib = await loadPlugin(cPlugin('in_replay'), { logger });
    const dir = tempDir('flbhost-corpus-');

    async function replay(c: CorpusCase, index: number): Promise<NativeOutcome> {
      const file = join(dir, `case-${index}.bin`);
      writeFileSync(file, c.bytes);
      const input = await lib.createInput({ properties: { file }, interval: 10 });
      const chunks: InputChunk[] = [];
      input.on('chunk', (chunk: InputChunk) => chunks.push(chunk));
      // The second call starts after the first one's chunk was checked and posted;
      // close() then delivers what was posted before it completes.
      await waitFor(() => input.stats().collects >= 2, 10_000, `two collects of ${c.name}`);
      await input.close();
      const warning = lines.find((l) => l.instance === input.name && /malformed data from the plugin/.test(l.msg));
      const message = warning ? /^malformed data from the plugin: (.*); kept the \d+ event\(s\) before it/.exec(warning.msg)?.[1] : undefined;
      return {
        events: chunks.reduce((n, chunk) => n + chunk.events, 0),
        data: hex(Buffer.concat(chunks.map((chunk) => chunk.data))),
        format: chunks[0]?.format,
        malformedChunks: input.stats().malformedChunks,
        ...(warning ? { failure: { event: warning.event as number, offset: warning.offset as number, message: message ?? warning.msg } } : {}),
      };
    }

    function fromWalker(c: CorpusCase): NativeOutcome {
      const walk = walkChunk(c.bytes, 'lenient');
      const kept = walk.events.length > 0;
      return {
        events: walk.events.length,
        data: kept ? hex(rewriteTimestamps(c.bytes.subarray(0, walk.validBytes), walk.events)) : '',
        format: kept ? (walk.hasV1 && walk.hasV2 ? 'mixed' : walk.hasV2 ? 'v2' : 'v1') : undefined,
        malformedChunks: walk.failure ? 1 : 0,
        ...(walk.failure ? { failure: walk.failure } : {}),
      };
    }

    const mismatches: Array<{ name: string; native: NativeOutcome; walker: NativeOutcome }> = [];
    // A few instances at a time: each is a thread polling every 10 ms.
    for (let i = 0; i < corpus.length; i += 6) {
      const batch = corpus.slice(i, i + 6);
      const outcomes = await Promise.all(batch.map((c, j) => replay(c, i + j)));
      batch.forEach((c, j) => {
        const walker = fromWalker(c);
        if (JSON.stringify(outcomes[j]) !== JSON.stringify(walker)) mismatches.push({ name: c.name, native: outcomes[j]!, walker });
      });
    }
    expect(mismatches).toEqual([]);
  }, 180_000);
});
