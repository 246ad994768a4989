/**
 * Durable storage against kill -9, with real processes and real signals:
 * the command killed while chunks are stored and undelivered, then started
 * again on the same storage.path, delivers every stored record; a Node
 * service whose lib write()s resolved (storage.sync full) loses none of
 * them either. And the chunk files are Fluent Bit's own, both ways, when a
 * Fluent Bit binary is at hand.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/index.js';
import { parseChunkFile } from '../../src/engine/store/chunk-file.js';
import { eventsOf } from '../../src/engine/store/backlog-scan.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { runCli, startCli } from '../helpers/cli.js';
import { cPlugin, repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { fluentBitBinary } from '../../scripts/fluent-bit-binary.mjs';

const dir = tempDir();
let n = 0;
const fresh = (name: string) => join(dir, `${name}-${n++}`);

function chunkFiles(storage: string): string[] {
  if (!existsSync(storage)) return [];
  return readdirSync(storage, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .flatMap((entry) => readdirSync(join(storage, entry.name)).filter((file) => !file.startsWith('.')).map((file) => join(storage, entry.name, file)));
}

/** Records in the chunk files under `storage` now (files being written included). */
function storedRecords(storage: string): number {
  let records = 0;
  for (const file of chunkFiles(storage)) {
    try {
      records += eventsOf(parseChunkFile(readFileSync(file)).content).chunk.events;
    } catch {
      // a file being created: its header is not there yet
    }
  }
  return records;
}

function pluginsFile(...paths: string[]): string {
  const path = fresh('plugins');
  writeFileSync(path, `[PLUGINS]\n${paths.map((p) => `    Path ${p}\n`).join('')}`);
  return path;
}

/** A run that delivers the backlog under `storage` to out_jsonl (Match retry) and stops by itself. */
function deliverWithCommand(storage: string): { status: number | null; stderr: string; out: string } {
  const out = fresh('delivered') + '.jsonl';
  const conf = fresh('deliver') + '.conf';
  writeFileSync(
    conf,
    `[SERVICE]\n    Flush 0.2\n    Grace 10\n    storage.path ${storage}\n    Plugins_File ${pluginsFile(cPlugin('out_jsonl'))}\n` +
      `[INPUT]\n    Name dummy\n    Samples 1\n    Tag other\n` +
      `[OUTPUT]\n    Name jsonl\n    Match retry\n    Path ${out}\n`,
  );
  const result = runCli(['-c', conf], { timeout: 60_000 });
  return { status: result.status, stderr: result.stderr, out };
}

describe('durable storage and kill -9', () => {
  it('flbhost killed with SIGKILL while chunks are stored and undelivered: the next start on the same storage.path delivers every record', async () => {
    const storage = fresh('storage');
    const conf = fresh('gen') + '.conf';
    writeFileSync(
      conf,
      `[SERVICE]\n    Flush 0.2\n    storage.path ${storage}\n    Plugins_File ${pluginsFile(cPlugin('in_gen'), cPlugin('out_status'))}\n` +
        `[INPUT]\n    Name gen\n    Tag retry\n    storage.type filesystem\n    records 20\n    total 60\n` +
        `[OUTPUT]\n    Name status\n    Match *\n    Retry_Limit no_limits\n`,
    );
    const cli = startCli(['-c', conf]);
    try {
      await waitFor(() => storedRecords(storage) === 60 || !cli.running(), 20_000, 'all 60 records stored');
      expect(cli.running()).toBe(true);
      cli.child.kill('SIGKILL');
      await cli.exit;
    } finally {
      if (cli.running()) cli.child.kill('SIGKILL');
    }
    expect(existsSync(join(storage, '.flbhost.lock'))).toBe(true); // the killed process's, stale now

    const { status, stderr, out } = deliverWithCommand(storage);
    expect(status, stderr).toBe(0);
    const seqs = readJsonLines(out).map((line) => (line.record as { seq: number }).seq);
    expect(new Set(seqs)).toEqual(new Set(Array.from({ length: 60 }, (_, i) => i)));
    expect(chunkFiles(storage)).toEqual([]);
  });

  it('a service killed with SIGKILL (storage.sync full) loses no record whose lib write() had resolved', async () => {
    const storage = fresh('service');
    const script = fresh('service') + '.mjs';
    writeFileSync(
      script,
      `import { Pipeline } from ${JSON.stringify(join(repoRoot, 'dist', 'index.js'))};\n` +
        `const p = new Pipeline({ service: { flush: 0.2, storagePath: ${JSON.stringify(storage)}, storageSync: 'full' },\n` +
        `  plugins: [${JSON.stringify(cPlugin('out_status'))}],\n` +
        `  inputs: [{ name: 'lib', tag: 'retry', storageType: 'filesystem' }],\n` +
        `  outputs: [{ name: 'status', match: '*', retryLimit: 'no_limits' }] });\n` +
        `await p.start();\n` +
        `for (let n = 0; ; n++) { await p.input('lib.0').write({ n }); process.stdout.write(n + '\\n'); }\n`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = '';
    child.stdout!.on('data', (d: Buffer) => (acked += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const ackedNumbers = () => acked.split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
    try {
      await waitFor(() => ackedNumbers().length >= 30, 30_000, '30 acknowledged writes');
      child.kill('SIGKILL');
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
    const confirmed = ackedNumbers();

    const out = fresh('service-delivered') + '.jsonl';
    const p = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 0.1, grace: 10, storagePath: storage },
      plugins: [cPlugin('out_jsonl')],
      inputs: [{ name: 'lib', tag: 'other' }],
      outputs: [{ name: 'jsonl', match: 'retry', properties: { path: out } }],
    });
    await p.start();
    await waitFor(() => readJsonLines(out).length >= confirmed.length, 15_000, 'the acknowledged records');
    await p.stop();
    const delivered = new Set(readJsonLines(out).map((line) => (line.record as { n: number }).n));
    expect(confirmed.filter((value) => !delivered.has(value))).toEqual([]);
  });
});

const fluentBit = fluentBitBinary(repoRoot) ?? '';

describe.skipIf(fluentBit === '')('chunk files shared with Fluent Bit', () => {
  it('flbhost delivers the backlog Fluent Bit left under storage.path (killed with SIGKILL)', async () => {
    const storage = fresh('fb-storage');
    const conf = fresh('fb') + '.conf';
    writeFileSync(
      conf,
      `[SERVICE]\n    Flush 0.5\n    storage.path ${storage}\n    storage.checksum on\n    Log_Level error\n` +
        `[INPUT]\n    Name dummy\n    Tag retry\n    Dummy {"from":"fluent-bit","n":7}\n    Rate 20\n    storage.type filesystem\n` +
        `[OUTPUT]\n    Name forward\n    Match *\n    Host 127.0.0.1\n    Port 9\n    Retry_Limit no_limits\n`,
    );
    const fb = spawn(fluentBit, ['-c', conf], { stdio: 'ignore' });
    try {
      await waitFor(() => storedRecords(storage) >= 20, 20_000, 'Fluent Bit to store 20 records');
    } finally {
      fb.kill('SIGKILL');
    }
    await new Promise((resolve) => fb.on('exit', resolve));
    const stored = storedRecords(storage);

    const { status, stderr, out } = deliverWithCommand(storage);
    expect(status, stderr).toBe(0);
    const records = readJsonLines(out).map((line) => line.record);
    expect(records.length).toBeGreaterThanOrEqual(stored);
    expect(new Set(records.map((record) => JSON.stringify(record)))).toEqual(new Set([JSON.stringify({ from: 'fluent-bit', n: 7 })]));
  });

  it('Fluent Bit delivers the backlog flbhost left under storage.path', async () => {
    const storage = fresh('flbhost-storage');
    const first = new Pipeline({
      logger: captureLogger().logger,
      service: { flush: 0.1, grace: 0.5, storagePath: storage, storageChecksum: true },
      plugins: [cPlugin('out_status')],
      inputs: [{ name: 'lib', tag: 'retry', storageType: 'filesystem' }],
      outputs: [{ name: 'status', match: '*', retryLimit: 'no_limits' }],
    });
    await first.start();
    for (let i = 0; i < 10; i++) await first.input('lib.0').write({ from: 'flbhost', i });
    await first.stop();

    const outDir = fresh('fb-out');
    mkdirSync(outDir);
    const conf = fresh('fb-deliver') + '.conf';
    writeFileSync(
      conf,
      `[SERVICE]\n    Flush 0.5\n    storage.path ${storage}\n    storage.checksum on\n    Log_Level error\n` +
        `[INPUT]\n    Name dummy\n    Tag other\n    Samples 1\n` +
        `[OUTPUT]\n    Name file\n    Match retry\n    Path ${outDir}\n    File backlog.log\n    Format plain\n`,
    );
    const fb = spawn(fluentBit, ['-c', conf], { stdio: 'ignore' });
    const lines = () => (existsSync(join(outDir, 'backlog.log')) ? readFileSync(join(outDir, 'backlog.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
    try {
      await waitFor(() => lines().length >= 10, 20_000, 'Fluent Bit to deliver the 10 records');
    } finally {
      fb.kill('SIGTERM');
    }
    await new Promise((resolve) => fb.on('exit', resolve));
    expect(lines().map((line) => (JSON.parse(line) as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});


describe('one process per storage.path', () => {
  it('refuses a second flbhost on a storage.path in use, naming the first, and takes over the lock once the first was killed', async () => {
    const storage = fresh('locked');
    const conf = fresh('locked') + '.conf';
    writeFileSync(
      conf,
      `[SERVICE]\n    Flush 0.2\n    storage.path ${storage}\n    Plugins_File ${pluginsFile(cPlugin('in_gen'), cPlugin('out_status'))}\n` +
        `[INPUT]\n    Name gen\n    Tag retry\n    storage.type filesystem\n` +
        `[OUTPUT]\n    Name status\n    Match *\n`,
    );
    const first = startCli(['-c', conf]);
    try {
      await waitFor(() => existsSync(join(storage, '.flbhost.lock')) || !first.running(), 15_000, 'the first to take the lock');
      const second = runCli(['-c', conf]);
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`storage.path ${storage} is in use by another flbhost (pid ${first.child.pid})`);
    } finally {
      first.child.kill('SIGKILL');
    }
    await first.exit;
    const { status, stderr } = deliverWithCommand(storage);
    expect(status, stderr).toBe(0);
  });
});
