import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { cPlugin, repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const bin = join(repoRoot, 'bin', 'flbhost.js');
const goPlugins = inject('goPlugins');
const dir = tempDir();
const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 30_000 });

function start(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('flbhost: running pipelines', () => {
  it('runs the README example config to completion', () => {
    const result = run(['-c', join(repoRoot, 'examples', 'fluent-bit.conf')]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = lines.filter((l) => l.message === 'order placed');
    expect(events).toHaveLength(5);
    expect(events[0]).toMatchObject({ order: 1042 });
    expect(typeof events[0]!.date).toBe('number');
    // The C proxy plugin's own count, logged through the host at its exit.
    const logs = result.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => /^count: /.test(String(l.msg)))).toMatchObject({ plugin: 'count', instance: 'count.0', msg: 'count: 5 records, 210 bytes in 1 flushes' });
  });

  it('runs as an executable through its sh launcher line, with the small young generation it asks for', async () => {
    // Started as a file, not through process.execPath: sh runs the launcher
    // line, which execs the `node` on PATH (this test's) with the flag.
    const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
    const env = { ...process.env, PATH: path, NODE_OPTIONS: '' };
    const child = spawn(bin, ['-i', 'stdin', '-o', 'null'], { stdio: ['pipe', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Until sh has exec'd node, /proc shows sh's command line; the pid stays the same.
    const argv = () => {
      try {
        return readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      } catch {
        return []; // exited: the wait below fails with its stderr
      }
    };
    try {
      await waitFor(() => argv()[1] === '--max-semi-space-size=2' || child.exitCode !== null, 5000, 'node started with --max-semi-space-size=2');
      expect(argv(), stderr).toContain('--max-semi-space-size=2');
    } finally {
      child.stdin!.end('{"a":1}\n'); // stdin at EOF ends the run, pass or fail
    }
    expect(await exit, stderr).toBe(0);
  });

  it('dummy → Go output from a classic config with a plugins file', () => {
    const out = join(dir, 'go.jsonl');
    writeFileSync(join(dir, 'plugins.conf'), `[PLUGINS]\n    Path ${goPlugins.out_gjsonl}\n`);
    writeFileSync(
      join(dir, 'fluent-bit.conf'),
      [
        '[SERVICE]',
        '    Flush        0.2',
        '    Plugins_File plugins.conf',
        '',
        '[INPUT]',
        '    Name    dummy',
        '    Tag     demo',
        '    Dummy   {"message":"from dummy","n":7}',
        '    Samples 3',
        '    Rate    50',
        '',
        '[OUTPUT]',
        '    Name  gjsonl',
        '    Match demo',
        `    Path  ${out}`,
        '    Id    cli',
        '',
      ].join('\n'),
    );
    const result = run(['-c', join(dir, 'fluent-bit.conf')]);
    expect(result.stderr).not.toMatch(/"level":50/);
    expect(result.status).toBe(0);
    const lines = readJsonLines(out);
    expect(lines.filter((l) => l.tag === 'demo').map((l) => l.record)).toEqual(new Array(3).fill({ message: 'from dummy', n: 7 }));
    expect(lines.at(-1)).toMatchObject({ id: 'cli', exit: true });
  });

  it('stdin → C output, configured with flags only; stops at EOF', () => {
    const out = join(dir, 'stdin.jsonl');
    const input = ['{"msg":"one"}', '[1700000000.5, {"msg":"two"}]', ''].join('\n');
    const result = run(['-e', cPlugin('out_jsonl'), '-i', 'stdin', '-t', 'from.stdin', '-o', 'jsonl', '-p', `path=${out}`, '-m', 'from.*'], input);
    expect(result.status).toBe(0);
    const lines = readJsonLines(out);
    expect(lines.map((l) => (l.record as { msg: string }).msg)).toEqual(['one', 'two']);
    expect(lines[1]).toMatchObject({ tag: 'from.stdin', sec: 1700000000, nsec: 500000000 });
  });

  it('Go input → stdout, until SIGTERM', async () => {
    const cli = start(['-e', goPlugins.in_gdummy!, '-i', 'gdummy', '-p', 'records=3', '-p', 'total=6', '-t', 'go.in', '-o', 'stdout', '-f', '0.1']);
    await waitFor(() => cli.stdout().trim().split('\n').filter(Boolean).length >= 6, 15_000, 'six lines on stdout');
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    const lines = cli.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines[5]).toMatchObject({ message: 'dummy', date: 1700000005.000000005 });
  });

  it("runs the Fluent Bit docs' Go output example unchanged: -e out_gstdout.so -i cpu -o gstdout", async () => {
    const cli = start(['-e', goPlugins.out_gstdout!, '-i', 'cpu', '-o', 'gstdout']);
    await waitFor(() => /\[1\] cpu\.0: /.test(cli.stdout()), 15_000, 'two cpu records printed by the Go plugin');
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    const first = cli.stdout().split('\n')[0]!;
    expect(first).toMatch(/^\[0\] cpu\.0: \[\d+\.\d{9}, \{.*"cpu0\.p_cpu": [\d.]+.*"cpu_p": [\d.]+.*"system_p": [\d.]+.*"user_p": [\d.]+\}\]$/);
  });

  it('loses nothing on SIGTERM in the middle of a stream', async () => {
    const out = join(dir, 'stream.jsonl');
    const cli = start(['-e', cPlugin('in_gen'), '-e', cPlugin('out_jsonl'), '-i', 'gen', '-p', 'records=50', '-t', 'stream', '-o', 'jsonl', '-p', `path=${out}`, '-f', '5']);
    await waitFor(() => /pipeline started/.test(cli.stderr()), 10_000, 'the pipeline to start');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a couple of 1-s collects, nothing flushed yet (Flush 5)
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    const seqs = readJsonLines(out).map((l) => (l.record as { seq: number }).seq);
    expect(seqs.length).toBeGreaterThanOrEqual(50);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i)); // every record produced, once, in order
  });
});

describe('flbhost: checking configurations', () => {
  it('--dry-run loads and registers every plugin, inits nothing, exits 0', () => {
    const result = run(['-D', '-e', cPlugin('out_trace'), '-i', 'dummy', '-o', 'trace', '-p', 'id=x']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/configuration test is successful: 1 plugin\(s\) loaded, 1 input\(s\), 1 output\(s\)/);
  });

  it('--dry-run fails with exit 1 naming an unknown plugin and the known ones', () => {
    const result = run(['-D', '-i', 'dummy', '-o', 'nosuch']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/-o nosuch \(#1\): unknown output plugin 'nosuch'; known outputs: .*null.*stdout/);
  });

  it('names the file and line of a configuration error', () => {
    const config = join(dir, 'bad.conf');
    writeFileSync(config, '[SERVICE]\n    Flush 1\n\n[FILTER]\n    Name grep\n');
    const result = run(['-c', config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${config}:4`);
    expect(result.stderr).toMatch(/\[FILTER\]/);
  });

  it('names the plugin that fails to load', () => {
    const result = run(['-e', cPlugin('broken_no_flush'), '-i', 'dummy', '-o', 'stdout']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot load plugin ${cPlugin('broken_no_flush')}`);
  });

  it('reports a bad service value from the command line without a stack trace', () => {
    const result = run(['-f', 'soon', '-i', 'dummy', '-o', 'null']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("flbhost: service.flush: 'soon' is not a number of seconds more than 0 (e.g. 1, 0.5)\n");
  });

  it('exits 2 on a bad command line', () => {
    expect(run(['--bogus']).status).toBe(2);
    expect(run(['-p', 'a=b']).stderr).toMatch(/must follow an -i or -o/);
    expect(run(['-i']).stderr).toMatch(/-i needs a value/);
  });
});
