/**
 * `flbhost … -o stdout | head -n 5`, through a real pipe to a real head: once
 * head has its lines and exits, flbhost's next write fails with EPIPE, and it
 * stops gracefully and exits 0, quietly (one info line saying why it stops;
 * no error, no stack trace), where it used to log an EPIPE error every flush
 * and keep running. (Fluent Bit itself ignores the failed writes and runs on.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flbhostBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

describe('flbhost -o stdout | head -n 5', () => {
  it.each([['json_lines'], ['msgpack']])('ends quietly with exit code 0 when head closes the pipe (format %s)', (format) => {
    const dir = tempDir();
    const errors = join(dir, 'stderr');
    const status = join(dir, 'status');
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const started = Date.now();
    const run = spawnSync(
      'bash',
      ['-c', `${q(process.execPath)} ${q(flbhostBin)} -f 0.2 -i dummy -p rate=50 -o stdout -p format=${format} 2>${q(errors)} | head -n 5 | wc -l; echo "\${PIPESTATUS[0]}" > ${q(status)}`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const elapsed = Date.now() - started;
    expect(run.status, run.stderr).toBe(0);
    if (format === 'json_lines') expect(run.stdout.trim()).toBe('5');
    expect(readFileSync(status, 'utf8').trim()).toBe('0');
    expect(elapsed).toBeLessThan(15_000);
    const stderr = readFileSync(errors, 'utf8');
    expect(stderr).not.toMatch(/EPIPE|Error|stack/);
    const lines = stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(lines.map((line) => line.msg)).toContain('stopping: standard output was closed');
  });
});
