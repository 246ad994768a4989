/**
 * -v and -vv: debug and trace lines, from flbhost itself (a line per flush at
 * debug, a line per input chunk at trace) and from plugins (out_jsonl logs
 * each flush at debug and its size at trace, through log_check and
 * log_print), in this process and in an isolated child alike.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

interface Line {
  level: number;
  msg: string;
  plugin?: string;
}

function logLines(verbosity: string[], isolation: 'none' | 'process'): Line[] {
  const path = join(tempDir(), 'out.jsonl');
  const run = runCli([...verbosity, '-f', '0.2', '-i', 'dummy', '-p', 'samples=2', '-p', 'rate=10', '-e', cPlugin('out_jsonl'), '-o', 'jsonl', '-p', `path=${path}`, '-p', `isolation=${isolation}`]);
  expect(run.status, run.stderr).toBe(0);
  return run.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

// The two records may share a chunk or not (timing): the counts in the messages are matched as \d+.
const own = (lines: Line[], level: number, text: RegExp) => lines.some((l) => l.level === level && text.test(l.msg)); // flbhost's lines about an instance carry its plugin field too
const plugin = (lines: Line[], level: number, text: RegExp) => lines.some((l) => l.level === level && l.plugin === 'jsonl' && text.test(l.msg));

describe.each(['none', 'process'] as const)('log verbosity (isolation %s)', (isolation) => {
  it('shows no debug or trace line by default', () => {
    expect(logLines([], isolation).filter((l) => l.level < 30)).toEqual([]);
  });

  it('-v shows debug lines from flbhost and from the plugin, and no trace', () => {
    const lines = logLines(['-v'], isolation);
    expect(own(lines, 20, /^flush: \d+ record\(s\) → ok/)).toBe(true);
    expect(plugin(lines, 20, /^jsonl: flushed \d+ records/)).toBe(true);
    expect(lines.filter((l) => l.level < 20)).toEqual([]);
  });

  it('-vv shows trace lines from flbhost and from the plugin too', () => {
    const lines = logLines(['-vv'], isolation);
    expect(own(lines, 20, /^flush: \d+ record\(s\) → ok/)).toBe(true);
    expect(own(lines, 10, /^chunk: \d+ record\(s\) for 1 output\(s\)/)).toBe(true);
    expect(plugin(lines, 10, /^jsonl: flush of tag dummy\.0/)).toBe(true);
  });
});
