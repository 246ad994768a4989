import { linkSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encodeChunk, EventTime, loadPlugin } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const dir = tempDir();

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('memory the plugin can see stays valid', () => {
  it('a chunk whose ArrayBuffer is transferred away during the flush still arrives intact', async () => {
    const path = join(dir, 'detached.jsonl');
    const out = await (await loadPlugin(cPlugin('out_jsonl'))).createOutput({ properties: { path } });
    const chunk = encodeChunk(Array.from({ length: 2000 }, (_, i) => ({ time: new EventTime(i, 0), record: { i, pad: 'x'.repeat(200) } })));
    const flushed = out.flush('t', chunk);
    // Detaches the ArrayBuffer under the caller: its memory is gone from JS.
    structuredClone(chunk.data.buffer, { transfer: [chunk.data.buffer as ArrayBuffer] });
    expect(chunk.data.byteLength).toBe(0);
    collectGarbage();
    expect(await flushed).toBe('ok');
    await out.close();
    const lines = readJsonLines(path);
    expect(lines).toHaveLength(2000);
    expect(lines[1999]).toMatchObject({ sec: 1999, record: { i: 1999 } });
  });

  it('keeps the struct a plugin got at Init valid after its instance closed and was collected', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('out_keepptr'), { logger });
    let first = await lib.createOutput({ name: 'kept.first' });
    await first.close();
    first = undefined as never;
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    const second = await lib.createOutput({ name: 'kept.second' });
    await second.flush('after-gc', [{ record: {} }]);
    await second.close();
    await waitFor(() => lines.filter((l) => /flush tag after-gc/.test(l.msg)).length === 2, 5000, 'two log lines');
    // The line written through the first (closed, collected) instance's pointer still names it.
    expect(lines.find((l) => /kept pointer 0, flush tag after-gc/.test(l.msg))).toMatchObject({ instance: 'kept.first', plugin: 'keepptr' });
    expect(lines.find((l) => /kept pointer 1, flush tag after-gc/.test(l.msg))).toMatchObject({ instance: 'kept.second' });
  });

  it('treats a hard link to a loaded .so as the same library: Register once, Unregister after the last instance', async () => {
    const traceFile = join(dir, 'trace.log');
    process.env.FLBHOST_TRACE_FILE = traceFile;
    const link = join(dir, 'out_trace_link.so');
    linkSync(cPlugin('out_trace'), link);
    const viaPath = await loadPlugin(cPlugin('out_trace'));
    const viaLink = await loadPlugin(link);
    expect(viaLink.name).toBe(viaPath.name);
    const a = await viaPath.createOutput({ properties: { id: 'A' } });
    const b = await viaLink.createOutput({ properties: { id: 'B' } });
    await a.close();
    await b.flush('still-registered', [{ record: {} }]);
    await b.close();
    const lines = readFileSync(traceFile, 'utf8').trim().split('\n');
    rmSync(traceFile);
    expect(lines.filter((l) => l === 'register')).toHaveLength(1);
    expect(lines.filter((l) => l === 'unregister')).toHaveLength(1);
    expect(lines.indexOf('unregister')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('flush_ctx B')));
  });
});
