/**
 * flbhost and signals: SIGTERM and SIGINT stop it gracefully and lose
 * nothing (an exact count, the chunk an input was collecting when the signal
 * came included); a second signal during that stop exits at once, 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli as startCliProcess, type RunningCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const dir = tempDir();

// A test that fails half way must not leave a command running behind it.
const started: RunningCli[] = [];
const startCli = (...args: Parameters<typeof startCliProcess>) => {
  const cli = startCliProcess(...args);
  started.push(cli);
  return cli;
};
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.running()) cli.child.kill('SIGKILL');
});

/** Events per in_gen collect, from the plugin's own trace ("collect <id> <events>"). */
function collected(traceFile: string): number[] {
  let text = '';
  try {
    text = readFileSync(traceFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => /^collect \S+ (\d+)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]));
}

describe('flbhost: signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops gracefully: exit 0, every record the input produced delivered exactly once', async (signal) => {
    const out = join(dir, `${signal}.jsonl`);
    const trace = join(dir, `${signal}.trace`);
    // Each collect sleeps as long as the collect interval (1 s), so collects
    // run back to back and the signal lands in the middle of one: the chunk
    // it returns comes during the stop and must still be delivered.
    const cli = startCli(
      ['-e', cPlugin('in_gen'), '-e', cPlugin('out_jsonl'), '-i', 'gen', '-p', 'records=50', '-p', 'sleep_ms=1000', '-t', 'stream', '-o', 'jsonl', '-p', `path=${out}`, '-f', '1'],
      { env: { ...process.env, FLBHOST_TRACE_FILE: trace } },
    );
    await waitFor(() => collected(trace).length >= 2 || !cli.running(), 15_000, 'two collects');
    const collectsBeforeSignal = collected(trace).length;
    cli.child.kill(signal);
    expect(await cli.exit, cli.stderr()).toBe(0);

    const produced = collected(trace).reduce((sum, events) => sum + events, 0);
    expect(collected(trace).length).toBeGreaterThan(collectsBeforeSignal); // one was under way
    const seqs = readJsonLines(out).map((line) => (line.record as { seq: number }).seq);
    expect(seqs).toHaveLength(produced);
    expect(seqs).toEqual(Array.from({ length: produced }, (_, i) => i)); // each once, in order
  });

  it('a second signal exits at once, with 1, while the first stop waits on a slow plugin', async () => {
    const config = join(dir, 'slow.conf');
    writeFileSync(
      config,
      [
        '[SERVICE]',
        '    Flush 0.2',
        '    Grace 60',
        '',
        '[INPUT]',
        '    Name             dummy',
        '    Rate             20',
        '    flush_on_startup true',
        '',
        '[OUTPUT]',
        '    Name     sleep',
        '    Match    *',
        '    sleep_ms 30000',
        '',
      ].join('\n'),
    );
    const cli = startCli(['-c', config, '-e', cPlugin('out_sleep')]);
    await waitFor(() => /pipeline started/.test(cli.stderr()) || !cli.running(), 10_000, 'the pipeline to start');
    cli.child.kill('SIGTERM');
    await waitFor(() => /stopping: SIGTERM/.test(cli.stderr()) || !cli.running(), 5000, 'the graceful stop to begin');
    // The stop waits for a 30-s flush (Grace 60 s): still running a second later.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(cli.running(), cli.stderr()).toBe(true);

    cli.child.kill('SIGINT'); // any second signal: SIGTERM or SIGINT
    await waitFor(() => !cli.running(), 5000, 'the exit after the second signal');
    expect(await cli.exit).toBe(1); // EXIT_FAILURE: pending data was abandoned
    expect(cli.stderr()).toContain('flbhost: second SIGINT: exiting now, without waiting for pending data\n');
  });
});
