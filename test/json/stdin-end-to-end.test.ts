/**
 * The real command: JSON lines on stdin → the C output out_jsonl, which
 * decodes the MessagePack it is handed and writes integers with their
 * 64-bit value. Big integers must arrive exactly, invalid lines be skipped
 * and counted, and a large input arrive whole and in order.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flbhostBin } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

function runStdin(input: Buffer, out: string) {
  return spawnSync(process.execPath, [flbhostBin, '-e', cPlugin('out_jsonl'), '-i', 'stdin', '-p', 'format=json', '-t', 'in', '-o', 'jsonl', '-p', `path=${out}`, '-m', '*'], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('flbhost -i stdin -o jsonl (C output)', () => {
  it('keeps 64-bit integers, floats and strings exact', () => {
    const out = join(tempDir(), 'out.jsonl');
    const input = Buffer.from(
      [
        '{"u":18446744073709551615,"i":-9223372036854775808,"n":9007199254740993,"f":1.0,"big":18446744073709551616,"s":"\\ud83d\\ude00"}',
        'this is not json',
        '[1700000000.000000001, {"id":12345678901234567890}]',
        '',
      ].join('\n'),
    );
    const result = runStdin(input, out);
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/line 2: invalid JSON: unexpected character at column 1; skipped/);
    // Compared as text: JSON.parse would round the very integers under test.
    // (out_jsonl prints the float64 1.0 as 1; that it is a float is checked in json-lines.test.ts.)
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"record":{"u":18446744073709551615,"i":-9223372036854775808,"n":9007199254740993,"f":1,"big":1.8446744073709552e+19,"s":"😀"}');
    expect(lines[1]).toContain('"sec":1700000000,"nsec":1,');
    expect(lines[1]).toContain('"record":{"id":12345678901234567890}');
  });

  it('delivers every line of a large input, in order', () => {
    const out = join(tempDir(), 'out.jsonl');
    const count = 20_000;
    const text = Array.from({ length: count }, (_, i) => `{"seq":${i},"id":${18446744073709551615n - BigInt(i)},"msg":"${'m'.repeat(i % 200)}"}`).join('\n');
    const result = runStdin(Buffer.from(text + '\n'), out);
    expect(result.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(count);
    const seqs = lines.map((line) => Number(/"seq":(\d+)/.exec(line)![1]));
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(lines[count - 1]).toContain(`"id":${18446744073709551615n - BigInt(count - 1)}`);
  });
});
