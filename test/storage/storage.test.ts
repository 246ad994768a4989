/**
 * Durable storage through the library API, with real files: what was not
 * delivered stays under storage.path and is delivered by the next start;
 * the files are Fluent Bit's chunk format; bad files, a bad storage.path
 * and a second process on one path are refused or set aside clearly, and
 * nothing valid is lost.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, Pipeline, type PipelineConfig } from '../../src/index.js';
import { parseChunkFile } from '../../src/engine/store/chunk-file.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const root = tempDir();
let dirs = 0;
const freshDir = (name: string) => join(root, `${name}-${dirs++}`);

/** Every chunk file under storage.path (not the hidden ones). */
function chunkFiles(storage: string): string[] {
  if (!existsSync(storage)) return [];
  return readdirSync(storage, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .flatMap((entry) => readdirSync(join(storage, entry.name)).filter((file) => !file.startsWith('.')).map((file) => join(storage, entry.name, file)));
}

/** lib (filesystem storage) → out_status, which answers FLB_RETRY to tag 'retry': nothing is delivered. */
function failing(storage: string, extra: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    logger: captureLogger().logger,
    service: { flush: 0.1, grace: 0.5, storagePath: storage, storageChecksum: true, ...extra.service },
    plugins: [cPlugin('out_status')],
    inputs: [{ name: 'lib', tag: 'retry', storageType: 'filesystem' }],
    outputs: [{ name: 'status', match: '*', retryLimit: 'no_limits' }],
    ...extra,
  };
}

/** A start that only delivers the backlog: no input matches, jsonl takes tag 'retry'. */
function delivering(storage: string, path: string, logger = captureLogger().logger): PipelineConfig {
  return {
    logger,
    service: { flush: 0.1, grace: 5, storagePath: storage, storageChecksum: true },
    plugins: [cPlugin('out_jsonl')],
    inputs: [{ name: 'lib', tag: 'other' }],
    outputs: [{ name: 'jsonl', match: 'retry', properties: { path } }],
  };
}

async function writeAll(p: Pipeline, records: number): Promise<void> {
  for (let n = 0; n < records; n++) await p.input('lib.0').write({ n });
}

/** Starts a delivering pipeline, waits for `records` lines, stops it. */
async function deliverBacklog(storage: string, records: number): Promise<{ lines: Array<Record<string, unknown>>; config: PipelineConfig }> {
  const out = join(storage, '..', `delivered-${dirs++}.jsonl`);
  const config = delivering(storage, out);
  const p = new Pipeline(config);
  await p.start();
  const deadline = Date.now() + 10_000;
  while (readJsonLines(out).length < records && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await p.stop();
  return { lines: readJsonLines(out), config };
}

describe('durable storage: a graceful stop keeps what was not delivered', () => {
  it('leaves undelivered chunks on disk, in Fluent Bit chunk files, and the next start delivers every record once and removes them', async () => {
    const storage = freshDir('roundtrip');
    const first = new Pipeline(failing(storage));
    await first.start();
    await writeAll(first, 50);
    const report = await first.stop();
    expect(report.keptOnDisk).toEqual({ chunks: expect.any(Number), records: 50, bytes: expect.any(Number) });

    const files = chunkFiles(storage);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((file) => /\/lib\.0\/\d+-\d+\.\s*\d+\.flb$/.test(file))).toBe(true);
    for (const file of files) {
      const parsed = parseChunkFile(readFileSync(file));
      expect(parsed).toMatchObject({ tag: 'retry', eventType: 0, crc: 'finalized' });
    }

    const { lines } = await deliverBacklog(storage, 50);
    expect(lines.map((line) => (line.record as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(chunkFiles(storage)).toEqual([]);
  });

  it('delivers a chunk whose last byte is zero (a record ending in the integer 0): zero bytes are padding only after the last event', async () => {
    const storage = freshDir('zero');
    const first = new Pipeline(failing(storage));
    await first.start();
    await first.input('lib.0').write({ n: 0 });
    await first.stop();
    const [file] = chunkFiles(storage);
    expect(readFileSync(file!).at(-1)).toBe(0);
    const { lines } = await deliverBacklog(storage, 1);
    expect(lines.map((line) => line.record)).toEqual([{ n: 0 }]);
  });

  it('leaves no file behind when everything was delivered, even when stop() comes right after the last delivery', async () => {
    const storage = freshDir('clean');
    const out = join(root, `clean-${dirs++}.jsonl`);
    const p = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 0.05, grace: 5, storagePath: storage },
      plugins: [cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'app', storageType: 'filesystem' }],
      outputs: [{ name: 'jsonl', match: '*', properties: { path: out } }],
    });
    await p.start();
    await writeAll(p, 100);
    const report = await p.stop();
    expect(readJsonLines(out)).toHaveLength(100);
    expect(report.keptOnDisk).toEqual({ chunks: 0, records: 0, bytes: 0 });
    expect(chunkFiles(storage)).toEqual([]);
  });

  it('lib write() resolves only once its record is in a chunk file', async () => {
    const storage = freshDir('ack');
    const p = new Pipeline(failing(storage));
    await p.start();
    await p.input('lib.0').write({ marker: 'written-before-resolve' });
    const text = chunkFiles(storage).map((file) => readFileSync(file).toString('latin1')).join('');
    expect(text).toContain('written-before-resolve');
    await p.stop();
  });

  it('after a partial delivery, the next start sends a chunk only to the outputs that still owe it', async () => {
    const storage = freshDir('partial');
    const healthy = join(root, `healthy-${dirs++}.jsonl`);
    const first = new Pipeline({
      ...failing(storage),
      plugins: [cPlugin('out_status'), cPlugin('out_jsonl')],
      outputs: [
        { name: 'status', match: '*', retryLimit: 'no_limits' },
        { name: 'jsonl', match: '*', properties: { path: healthy } },
      ],
    });
    await first.start();
    await writeAll(first, 10);
    await first.stop();
    expect(readJsonLines(healthy)).toHaveLength(10);

    // Both outputs healthy now: jsonl had everything, so only the other one gets it.
    const again = join(root, `again-${dirs++}.jsonl`);
    const second = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 0.1, grace: 5, storagePath: storage, storageChecksum: true },
      plugins: [cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'other' }],
      outputs: [
        { name: 'jsonl', alias: 'status.0', match: 'retry', properties: { path: again } },
        { name: 'jsonl', alias: 'jsonl.0', match: 'retry', properties: { path: healthy } },
      ],
    });
    await second.start();
    const deadline = Date.now() + 10_000;
    while (readJsonLines(again).length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await second.stop();
    expect(readJsonLines(again)).toHaveLength(10);
    expect(readJsonLines(healthy)).toHaveLength(10); // not 20
  });

  it('keeps at most storage.max_chunks_up chunks in memory, the rest on disk only, and still delivers all', async () => {
    const storage = freshDir('down');
    const p = new Pipeline(failing(storage, { service: { flush: 0.02, grace: 0.5, storagePath: storage, storageMaxChunksUp: 2 } }));
    await p.start();
    for (let batch = 0; batch < 8; batch++) {
      await writeAll(p, 5);
      await new Promise((resolve) => setTimeout(resolve, 40)); // a Flush tick: a chunk each
    }
    const metrics = p.metrics().storage!;
    expect(metrics.chunks.total).toBeGreaterThanOrEqual(4);
    expect(metrics.chunks.up).toBeLessThanOrEqual(2);
    expect(metrics.chunks.down).toBeGreaterThan(0);
    await p.stop();
    const { lines } = await deliverBacklog(storage, 40);
    expect(new Set(lines.map((line) => (line.record as { n: number }).n)).size).toBe(5);
    expect(lines).toHaveLength(40);
  });
});

describe('durable storage: storage.total_limit_size', () => {
  it('drops the oldest waiting chunks of a filesystem input for that output, counted and logged, and never holds the input back', async () => {
    const storage = freshDir('limit');
    const { logger, lines } = captureLogger();
    const p = new Pipeline({
      ...failing(storage),
      logger,
      service: { flush: 0.02, grace: 0.5, storagePath: storage },
      outputs: [{ name: 'status', match: '*', retryLimit: 'no_limits', properties: { 'storage.total_limit_size': '300' } }],
    });
    await p.start();
    for (let batch = 0; batch < 10; batch++) {
      await writeAll(p, 5); // 75 bytes: a chunk a tick
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const dropped = p.metrics().outputs['status.0']!.droppedRecords;
    const report = await p.stop();
    expect(dropped).toBeGreaterThanOrEqual(20);
    expect(report.keptOnDisk!.records + dropped).toBe(50);
    expect(report.keptOnDisk!.bytes).toBeLessThanOrEqual(300);
    // Each drop logged with its records (a chunk may hold part of a batch: they are cut at Flush ticks).
    const logged = lines
      .map((line) => /storage\.total_limit_size 300 reached: the oldest waiting chunk \((\d+) record\(s\)\) is dropped/.exec(line.msg))
      .filter((match) => match !== null)
      .reduce((sum, match) => sum + Number(match[1]), 0);
    expect(logged).toBe(dropped);
  });
});

describe('durable storage: a chunk file that vanishes', () => {
  it('a down chunk whose file was deleted under it is dropped for its output with the reason, and flbhost keeps running', async () => {
    const storage = freshDir('vanish');
    const { logger, lines } = captureLogger();
    const p = new Pipeline(
      failing(storage, {
        logger,
        service: { flush: 0.02, grace: 0.5, storagePath: storage, storageMaxChunksUp: 1, schedulerBase: 0.05, schedulerCap: 0.1 },
      }),
    );
    await p.start();
    for (let batch = 0; batch < 3; batch++) {
      await writeAll(p, 5);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(p.metrics().storage!.chunks.down).toBeGreaterThan(0);
    for (const file of chunkFiles(storage)) rmSync(file);
    const deadline = Date.now() + 10_000;
    while (p.metrics().outputs['status.0']!.droppedRecords === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(p.metrics().outputs['status.0']!.droppedRecords).toBeGreaterThan(0);
    expect(lines.some((line) => line.level === 50 && /cannot read chunk lib\.0\/.* back from storage: ENOENT/.test(line.msg))).toBe(true);
    await p.stop();
  });
});

describe('durable storage: bad configuration', () => {
  it('refuses storage.type filesystem without storage.path, naming the key', async () => {
    const p = new Pipeline({ logger: captureLogger().logger, inputs: [{ name: 'lib', storageType: 'filesystem' }] });
    await expect(p.validate()).rejects.toThrow(/inputs\[0\]: lib\.0: storage\.type: filesystem storage needs a directory: set storage\.path in \[SERVICE\]/);
  });

  it('refuses a storage.path on a read-only filesystem, clearly', async () => {
    const p = new Pipeline({ ...failing('/proc/flbhost-storage') });
    const error = await p.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^storage\.path \/proc\/flbhost-storage cannot be used: /);
  });

  it('refuses a second pipeline on a storage.path in use, and allows it once the first stopped', async () => {
    const storage = freshDir('lock');
    const first = new Pipeline(failing(storage));
    await first.start();
    const second = new Pipeline(failing(storage));
    await expect(second.start()).rejects.toThrow(/storage\.path .* is in use by another pipeline of this process/);
    await first.stop();
    const third = new Pipeline(failing(storage));
    await third.start();
    await third.stop();
  });
});

/** A 64 KiB tmpfs (root only): a disk that really fills. Undefined when it cannot be mounted. */
function smallDisk(): { path: string; unmount(): void } | undefined {
  const path = freshDir('small-disk');
  mkdirSync(path);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', path]).status !== 0) return undefined;
  return { path, unmount: () => void spawnSync('umount', [path]) };
}
const disk = smallDisk();

describe('durable storage: a full disk', () => {
  it.skipIf(disk === undefined)('keeps running when the disk fills: the chunks that cannot be written are logged, counted, still delivered, and write() says they were not stored', async () => {
    const storage = join(disk!.path, 'storage');
    const out = join(root, `full-${dirs++}.jsonl`);
    const { logger, lines } = captureLogger();
    const p = new Pipeline({
      logger,
      service: { flush: 0.05, grace: 5, storagePath: storage },
      plugins: [cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'app', storageType: 'filesystem' }],
      outputs: [{ name: 'jsonl', match: '*', properties: { path: out } }],
    });
    try {
      await p.start();
      const refusals: string[] = [];
      for (let n = 0; n < 150; n++) {
        await p.input('lib.0').write({ n, pad: 'x'.repeat(1000) }).catch((error: Error) => refusals.push(error.message));
      }
      const report = await p.stop();
      expect(report.complete).toBe(true);
      expect(readJsonLines(out).map((line) => (line.record as { n: number }).n)).toEqual(Array.from({ length: 150 }, (_, i) => i));
      expect(p.metrics().storage!.writeFailures).toBeGreaterThan(0);
      expect(refusals.length).toBeGreaterThan(0);
      expect(refusals[0]).toMatch(/^not stored: chunk .* could not be written \(ENOSPC: no space left on device.*\); its records are kept in memory and still delivered/);
      expect(lines.some((line) => line.level === 50 && /storage: cannot write chunk .*ENOSPC/.test(line.msg))).toBe(true);
    } finally {
      disk!.unmount();
    }
  });
});

describe('durable storage: bad files under storage.path', () => {
  it('sets aside corrupt, truncated, empty and foreign files with a reason each, and delivers the valid ones', async () => {
    const storage = freshDir('bad');
    const first = new Pipeline(failing(storage));
    await first.start();
    await writeAll(first, 20);
    await first.stop();
    const [good] = chunkFiles(storage);
    const stream = join(storage, 'lib.0');
    const valid = readFileSync(good!);
    // A truncated copy, a corrupt one (bytes flipped in the content: the checksum no longer matches), an empty and a foreign file.
    writeFileSync(join(stream, '1-1700000001.1000.flb'), valid.subarray(0, valid.length - 7));
    const corrupt = Buffer.from(valid);
    corrupt[corrupt.length - 3] = corrupt[corrupt.length - 3]! ^ 0xff;
    writeFileSync(join(stream, '1-1700000002.1000.flb'), corrupt);
    writeFileSync(join(stream, '1-1700000003.1000.flb'), '');
    writeFileSync(join(stream, 'notes.txt'), 'these are notes, not a chunk of anything\n');
    mkdirSync(join(storage, 'other.0'));
    writeFileSync(join(storage, 'other.0', 'garbage.flb'), Buffer.from([0xc1, 0x00, 1, 2, 3]));

    const { logger, lines: logs } = captureLogger();
    const out = join(root, `bad-${dirs++}.jsonl`);
    const p = new Pipeline(delivering(storage, out, logger));
    await p.start();
    const deadline = Date.now() + 10_000;
    while (readJsonLines(out).length < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await p.stop();

    expect(readJsonLines(out).map((line) => (line.record as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const messages = logs.map((line) => line.msg).join('\n');
    expect(messages).toMatch(/1-1700000001\.1000\.flb cannot be delivered: truncated: its header promises \d+ bytes of content, the file holds \d+; moved to .*\.damaged/);
    expect(messages).toMatch(/1-1700000002\.1000\.flb cannot be delivered: its checksum does not match its data/);
    expect(messages).toMatch(/notes\.txt cannot be delivered: not a chunk file/);
    expect(messages).toMatch(/garbage\.flb cannot be delivered: 5 bytes, shorter than a chunk header/);
    expect(readdirSync(join(storage, '.damaged', 'lib.0')).sort()).toEqual(['1-1700000001.1000.flb', '1-1700000002.1000.flb', 'notes.txt']);
    expect(existsSync(join(stream, '1-1700000003.1000.flb'))).toBe(false); // empty: nothing to keep
    expect(chunkFiles(storage)).toEqual([]);
  });

  it('deletes them instead with storage.delete_irrecoverable_chunks', async () => {
    const storage = freshDir('delete');
    mkdirSync(join(storage, 'x.0'), { recursive: true });
    writeFileSync(join(storage, 'x.0', 'junk.flb'), 'junk that is longer than a chunk header');
    const { logger, lines } = captureLogger();
    const p = new Pipeline({ ...delivering(storage, join(root, 'unused.jsonl'), logger), service: { storagePath: storage, storageDeleteIrrecoverableChunks: true } });
    await p.start();
    await p.stop();
    expect(existsSync(join(storage, 'x.0', 'junk.flb'))).toBe(false);
    expect(existsSync(join(storage, '.damaged'))).toBe(false);
    expect(lines.some((line) => /deleted .*junk\.flb: not a chunk file \(no C1 00 magic\) \(storage\.delete_irrecoverable_chunks\)/.test(line.msg))).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)('leaves an unreadable file where it is and says so', async () => {
    const storage = freshDir('unreadable');
    mkdirSync(join(storage, 'x.0'), { recursive: true });
    const file = join(storage, 'x.0', '1-1700000000.1000.flb');
    writeFileSync(file, 'x');
    chmodSync(file, 0o000);
    const { logger, lines } = captureLogger();
    const p = new Pipeline(delivering(storage, join(root, 'unused2.jsonl'), logger));
    await p.start();
    await p.stop();
    expect(existsSync(file)).toBe(true);
    expect(lines.some((line) => /cannot read chunk .*: EACCES/.test(line.msg))).toBe(true);
  });

  it('keeps the valid events of a chunk that goes bad part way', async () => {
    const storage = freshDir('partway');
    const first = new Pipeline(failing(storage, { service: { flush: 0.1, grace: 0.5, storagePath: storage, storageChecksum: false } }));
    await first.start();
    await writeAll(first, 10);
    await first.stop();
    const [file] = chunkFiles(storage);
    const bytes = Buffer.from(readFileSync(file!));
    bytes[bytes.length - 4] = 0xc1; // "never used" in MessagePack, inside the last event
    writeFileSync(file!, bytes);
    truncateSync(file!, bytes.length);
    const { lines } = await deliverBacklog(storage, 9);
    expect(lines.map((line) => (line.record as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
