/**
 * Isolation as operators and services use it: the `Isolation process` key
 * in a config file (refused, with its line, where it cannot apply), and a
 * Node service whose isolated plugin crashes under it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flbhostBin, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { cPlugin, repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const dir = tempDir();

function pluginsFile(...paths: string[]): string {
  const path = join(dir, `plugins-${paths.length}.conf`);
  writeFileSync(path, `[PLUGINS]\n${paths.map((p) => `    Path ${p}\n`).join('')}`);
  return path;
}

describe('Isolation in a config file', () => {
  it('runs an isolated output that crashes once: flbhost exits 0 and the output has every record', () => {
    const out = join(dir, 'faulty.jsonl');
    const crash = join(dir, 'crash-once');
    writeFileSync(crash, '1\n');
    const conf = join(dir, 'isolated.conf');
    writeFileSync(
      conf,
      `[SERVICE]\n    Flush 0.2\n    Plugins_File ${pluginsFile(cPlugin('out_faulty'))}\n` +
        `[INPUT]\n    Name dummy\n    Samples 20\n    Rate 100\n` +
        `[OUTPUT]\n    Name faulty\n    Match *\n    Isolation process\n    Path ${out}\n    Crash_File ${crash}\n`,
    );
    const result = runCli(['-c', conf], { timeout: 60_000 });
    expect(result.stderr).toContain('crashed (killed by SIGSEGV)');
    expect(result.status).toBe(0);
    expect(readJsonLines(out).length).toBeGreaterThanOrEqual(20);
  });

  it('refuses Isolation on a built-in plugin, with the line of the key', () => {
    const conf = join(dir, 'builtin.conf');
    writeFileSync(conf, '[INPUT]\n    Name dummy\n    Samples 1\n[OUTPUT]\n    Name stdout\n    Match *\n    Isolation process\n');
    const result = runCli(['-c', conf, '--dry-run']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${conf}:7: stdout.0: Isolation: 'stdout' is not a .so plugin; only .so plugins can run in a child process`);
  });

  it('refuses an Isolation value other than none or process, with its line', () => {
    const conf = join(dir, 'value.conf');
    writeFileSync(conf, `[SERVICE]\n    Plugins_File ${pluginsFile(cPlugin('out_jsonl'))}\n[INPUT]\n    Name dummy\n    Samples 1\n[OUTPUT]\n    Name jsonl\n    Match *\n    Path /dev/null\n    Isolation thread\n`);
    const result = runCli(['-c', conf, '--dry-run']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${conf}:10: jsonl.0: Isolation: must be 'none' or 'process'; got 'thread'`);
  });
});

describe('a Node service with an isolated plugin', () => {
  it('survives the plugin crashing, and its flush() promises settle', () => {
    const service = join(dir, 'service.mjs');
    const out = join(dir, 'service.jsonl');
    const crash = join(dir, 'service-crash');
    writeFileSync(crash, '1\n');
    writeFileSync(
      service,
      `import { loadPlugin } from ${JSON.stringify(join(repoRoot, 'dist', 'index.js'))};\n` +
        `const lib = await loadPlugin(${JSON.stringify(cPlugin('out_faulty'))}, { isolation: 'process' });\n` +
        `const out = await lib.createOutput({ properties: { path: ${JSON.stringify(out)}, crash_file: ${JSON.stringify(crash)} } });\n` +
        `const results = await Promise.all([1, 2, 3].map((n) => out.flush('svc', [{ record: { n } }])));\n` +
        `await out.close();\n` +
        `console.log(JSON.stringify({ results, supervision: out.supervision(), pid: process.pid }));\n`,
    );
    const result = spawnSync(process.execPath, [service], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as { results: string[]; supervision: { crashes: number } };
    expect(report.results).toEqual(['ok', 'ok', 'ok']);
    expect(report.supervision).toMatchObject({ crashes: 1, restarts: 1, failed: false });
    expect(readJsonLines(out).map((line) => (line.record as { n: number }).n).sort()).toEqual([1, 2, 3]);
  });
});

describe('signals with isolated plugins', () => {
  it('Ctrl-C to the whole process group (flbhost and its plugin hosts) is a graceful stop: every record the isolated input produced reaches the isolated output, once', async () => {
    const out = join(dir, 'group.jsonl');
    const trace = join(dir, 'group.trace');
    // Its own process group, as a shell gives a foreground job: the signal
    // reaches flbhost and the plugin hosts alike, as Ctrl-C in a terminal does.
    const child = spawn(
      process.execPath,
      [flbhostBin, '-e', cPlugin('in_gen'), '-e', cPlugin('out_jsonl'), '-i', 'gen', '-p', 'records=50', '-p', 'sleep_ms=500', '-p', 'isolation=process', '-t', 'stream',
        '-o', 'jsonl', '-p', `path=${out}`, '-p', 'isolation=process', '-f', '0.5'],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FLBHOST_TRACE_FILE: trace } },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const collects = () => {
      try {
        return readFileSync(trace, 'utf8').split('\n').map((line) => /^collect \S+ (\d+)$/.exec(line)).filter((m) => m !== null).map((m) => Number(m[1]));
      } catch {
        return [];
      }
    };
    try {
      await waitFor(() => collects().length >= 2, 20_000, 'two collects in the isolated input');
      process.kill(-child.pid!, 'SIGINT');
      expect(await exit, stderr).toBe(0);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const produced = collects().reduce((sum, n) => sum + n, 0);
    const seqs = readJsonLines(out).map((line) => (line.record as { seq: number }).seq);
    expect(stderr).not.toMatch(/crashed|was killed/);
    expect(seqs).toEqual(Array.from({ length: produced }, (_, i) => i));
  });
});
