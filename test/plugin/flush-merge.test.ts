// Merged flushes (native/output_instance.h): under a backlog, a worker hands
// the plugin the queued chunks of one tag in one call, up to the instance's
// merge limit, and still settles each flush on its own. out_trace writes one
// line per call with the chunk's length, so the calls the plugin saw are
// exact; flush_sleep_ms keeps the first flush running while the rest queue.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunk, loadPlugin, type Chunk, type PluginLibrary } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const traceFile = join(tempDir(), 'merge-trace.log');
process.env.FLBHOST_TRACE_FILE = traceFile;

/** The flush_ctx lines of the trace: [length, tag] per plugin call. */
function flushCalls(): Array<[number, string]> {
  if (!existsSync(traceFile)) return [];
  return readFileSync(traceFile, 'utf8')
    .split('\n')
    .map((line) => /^(?:\[probe\] )?flush_ctx \S+ (\d+) (\S+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), m[2]!]);
}

function chunkOf(label: string, records = 20): Chunk {
  return encodeChunk(Array.from({ length: records }, (_, i) => ({ record: { label, i } })));
}

const { logger } = captureLogger('error');
const plugins: Record<string, PluginLibrary> = {};

beforeAll(async () => {
  plugins.none = await loadPlugin(cPlugin('out_trace'), { logger });
  plugins.process = await loadPlugin(cPlugin('out_trace'), { logger, isolation: 'process' });
});
afterEach(() => rmSync(traceFile, { force: true }));

describe.each(['none', 'process'] as const)('merged flushes (isolation %s)', (isolation) => {
  /** Starts `first` (which sleeps in the plugin), then queues the rest behind it. */
  async function backlog(options: { limit?: number; properties?: Record<string, string> }, first: Chunk, rest: Array<[string, Chunk]>) {
    const out = await plugins[isolation]!.createOutput({
      properties: { id: 'M', flush_sleep_ms: '150', ...options.properties },
      workers: 1,
      flushMergeLimit: options.limit ?? 8 * 1024 * 1024,
    });
    const running = out.flush('t', first);
    await waitFor(() => flushCalls().length === 1, 10_000, 'the first flush to start');
    const results = await Promise.all([running, ...rest.map(([tag, chunk]) => out.flush(tag, chunk))]);
    await out.close();
    return results;
  }

  it('passes the chunks queued behind a running flush in one call per tag, in order, and settles each', async () => {
    const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map((label) => chunkOf(label));
    const results = await backlog({}, a!, [['t', b!], ['t', c!], ['t', d!], ['u', e!], ['t', f!]]);
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const size = (chunk: Chunk) => chunk.data.byteLength;
    expect(flushCalls()).toEqual([
      [size(a!), 't'],
      [size(b!) + size(c!) + size(d!), 't'],
      [size(e!), 'u'],
      [size(f!), 't'],
    ]);
  });

  it('merges no more bytes than the limit, and not at all with limit 0', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((label) => chunkOf(label));
    const size = b!.data.byteLength;
    await backlog({ limit: 2 * size }, a!, [['t', b!], ['t', c!], ['t', d!]]);
    expect(flushCalls().map(([length]) => length)).toEqual([size, 2 * size, size]);
    rmSync(traceFile);
    await backlog({ limit: 0 }, a!, [['t', b!], ['t', c!], ['t', d!]]);
    expect(flushCalls().map(([length]) => length)).toEqual([size, size, size, size]);
  });

  it('flushes each chunk of a refused merge again alone, so only the bad one fails', async () => {
    const a = chunkOf('a');
    const b = chunkOf('b');
    const bad = chunkOf('poison');
    const d = chunkOf('d');
    const results = await backlog({ properties: { refuse_marker: 'poison' } }, a, [['t', b], ['t', bad], ['t', d]]);
    expect(results).toEqual(['ok', 'ok', 'error', 'ok']);
    const size = b.data.byteLength;
    expect(bad.data.byteLength).not.toBe(size);
    expect(flushCalls().map(([length]) => length)).toEqual([size, size + bad.data.byteLength + size, size, bad.data.byteLength, size]);
  });
});
