/**
 * flbhost and signals (the policy is src/cli/signals.ts), with real
 * processes and real signals:
 * - SIGTERM, SIGINT and SIGQUIT stop it gracefully and lose nothing (an
 *   exact count, the chunk an input was collecting when the signal came
 *   included);
 * - the same signal delivered twice within SAME_SIGNAL_WINDOW_MS (as
 *   `timeout` does) is one stop request;
 * - a second stop request exits at once, with 1, and says what each output
 *   was still owed;
 * - SIGHUP without Hot_Reload, and SIGUSR2, are logged and change nothing
 *   (SIGHUP with Hot_Reload On: test/reload/cli-reload.test.ts);
 * - SIGUSR1 is logged and does not open Node's inspector.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAME_SIGNAL_WINDOW_MS } from '../../src/cli/signals.js';
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

const sum = (numbers: number[]) => numbers.reduce((total, n) => total + n, 0);

/** The `seq` of every record out_jsonl wrote, in file order. */
const seqsIn = (file: string) => readJsonLines(file).map((line) => (line.record as { seq: number }).seq);

/** flbhost's pino lines on stderr (the other stderr lines are its own `flbhost: ...` messages). */
function logLines(cli: RunningCli): Array<{ level: number; msg: string } & Record<string, unknown>> {
  return cli
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

/** in_gen → out_jsonl (one record a second unless `genProps` say otherwise), until a signal. */
function genToJsonl(name: string, genProps: string[] = [], extra: string[] = []): { args: string[]; out: string; trace: string; env: NodeJS.ProcessEnv } {
  const out = join(dir, `${name}.jsonl`);
  const trace = join(dir, `${name}.trace`);
  const props = genProps.flatMap((prop) => ['-p', prop]);
  return {
    args: ['-e', cPlugin('in_gen'), '-e', cPlugin('out_jsonl'), '-i', 'gen', ...props, '-t', 'stream', '-o', 'jsonl', '-p', `path=${out}`, '-f', '0.2', ...extra],
    out,
    trace,
    env: { ...process.env, FLBHOST_TRACE_FILE: trace },
  };
}

/** Whether `signal` is pending for the process as a whole (sent, not yet taken by any of its threads). */
function pendingForProcess(pid: number, signal: NodeJS.Signals): boolean {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mask = BigInt(`0x${/^ShdPnd:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
  return (mask & (1n << BigInt(constants.signals[signal] - 1))) !== 0n;
}

/**
 * The TCP ports `pid` listens on: its socket inodes (/proc/PID/fd) matched
 * against the LISTEN sockets of its network namespace (/proc/PID/net/tcp,
 * tcp6). Needs no tool and no port number guessed in advance; works as root
 * and as the process's own user.
 */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed since the listing
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode: st 0A is LISTEN
      if (fields.length > 9 && fields[3] === '0A' && inodes.has(fields[9]!)) ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** A config whose graceful stop cannot finish soon: Grace 60 s, and an output whose every flush takes a minute. */
function slowConfig(name: string, input: string[], outputs: string[] = []): string {
  const config = join(dir, `${name}.conf`);
  writeFileSync(
    config,
    ['[SERVICE]', '    Flush 0.2', '    Grace 60', '', '[INPUT]', ...input, '', ...outputs, '[OUTPUT]', '    Name     sleep', '    Match    *', '    sleep_ms 60000', ''].join('\n'),
  );
  return config;
}

describe('flbhost: signals', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGQUIT'] as const)('%s stops gracefully: exit 0, every record the input produced delivered exactly once', async (signal) => {
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

    const produced = sum(collected(trace));
    expect(collected(trace).length).toBeGreaterThan(collectsBeforeSignal); // one was under way
    expect(cli.stderr()).toContain(`stopping: ${signal}`);
    const seqs = seqsIn(out);
    expect(seqs).toHaveLength(produced);
    expect(seqs).toEqual(Array.from({ length: produced }, (_, i) => i)); // each once, in order
  });

  it('the same signal delivered twice within the window (as `timeout` does) is one request: a graceful stop, exit 0, nothing lost', async () => {
    // Collects of 1 s back to back (as in the test above): the stop waits for
    // the one under way, long enough for flbhost to take the second signal.
    const { args, out, trace, env } = genToJsonl('twice', ['records=50', 'sleep_ms=1000'], ['-v']);
    const cli = startCli(args, { env });
    await waitFor(() => collected(trace).length >= 1 || !cli.running(), 15_000, 'a first collect');
    const pid = cli.child.pid!;
    // Two separate deliveries, as when a wrapper signals the child and then
    // its group: the second is sent once the first has been taken (the
    // kernel would merge two pending copies into one), and well within the
    // window (milliseconds, against SAME_SIGNAL_WINDOW_MS).
    cli.child.kill('SIGTERM');
    await waitFor(() => !pendingForProcess(pid, 'SIGTERM'), 5000, 'the first SIGTERM to be delivered');
    cli.child.kill('SIGTERM');

    expect(await cli.exit, cli.stderr()).toBe(0);
    expect(cli.stderr()).not.toContain('second SIGTERM');
    // flbhost got both, and took the second for the first again.
    expect(logLines(cli).map((line) => line.msg)).toContain(`SIGTERM again within ${SAME_SIGNAL_WINDOW_MS} ms: the same stop request (wrappers such as \`timeout\` deliver it twice)`);
    const produced = sum(collected(trace));
    expect(seqsIn(out)).toEqual(Array.from({ length: produced }, (_, i) => i));
  });

  it.each([
    ['a different signal', 'SIGTERM', 'SIGINT'],
    ['the same signal after the window', 'SIGTERM', 'SIGTERM'],
    ['SIGQUIT after SIGINT', 'SIGINT', 'SIGQUIT'],
  ] as const)('a second stop request (%s) exits at once, with 1, and says what each output was still owed', async (_, first, second) => {
    const out = join(dir, `owed-${first}-${second}.jsonl`);
    const trace = join(dir, `owed-${first}-${second}.trace`);
    // gen feeds two outputs: jsonl delivers at once, sleep never within the
    // test (a minute a flush, Grace 60 s), so the graceful stop waits on it.
    const config = slowConfig(
      `owed-${first}-${second}`,
      ['    Name    gen', '    records 5', '    total   20'],
      ['[OUTPUT]', '    Name  jsonl', '    Match *', `    path  ${out}`, ''],
    );
    const cli = startCli(['-c', config, '-e', cPlugin('in_gen'), '-e', cPlugin('out_jsonl'), '-e', cPlugin('out_sleep')], {
      env: { ...process.env, FLBHOST_TRACE_FILE: trace },
    });
    await waitFor(() => collected(trace).length >= 1 || !cli.running(), 15_000, 'a first collect');
    cli.child.kill(first);
    await waitFor(() => cli.stderr().includes(`stopping: ${first}`) || !cli.running(), 10_000, 'the graceful stop to begin');
    const stopSeenAt = Date.now();
    // The input has exited and jsonl has everything: from here on only sleep
    // owes anything, and it owes all of it.
    await waitFor(() => /^exit$/m.test(readFileSync(trace, 'utf8')) || !cli.running(), 10_000, 'the input to exit');
    const produced = sum(collected(trace));
    await waitFor(() => seqsIn(out).length >= produced || !cli.running(), 10_000, 'jsonl to catch up');
    // Past the window, counted from when flbhost had certainly taken the first signal.
    while (Date.now() - stopSeenAt < 2 * SAME_SIGNAL_WINDOW_MS) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cli.running(), cli.stderr()).toBe(true); // still waiting on sleep

    cli.child.kill(second);
    await waitFor(() => !cli.running(), 10_000, 'the exit after the second signal');
    expect(await cli.exit, cli.stderr()).toBe(1); // EXIT_FAILURE: pending data was abandoned
    expect(cli.stderr()).toContain(`flbhost: second ${second}: exiting now, without waiting for pending data\n`);
    // What sleep owed: every chunk, that is every byte gen produced. Each of
    // its events is [fixext8 time, {"seq": n < 128, "msg": "generated"}]:
    // 1 + 10 + 1 + 4 + 1 + 4 + 10 = 31 bytes of msgpack.
    const summary = /^flbhost: exited at once with undelivered data: (.*)$/m.exec(cli.stderr());
    expect(summary, cli.stderr()).not.toBeNull();
    const owed = /^sleep\.0: (\d+) chunk\(s\), (\d+) byte\(s\)$/.exec(summary![1]!); // sleep only: jsonl owed nothing
    expect(owed, summary![0]).not.toBeNull();
    const [chunks, bytes] = [Number(owed![1]), Number(owed![2])];
    expect(produced).toBeGreaterThan(0);
    expect(bytes).toBe(31 * produced);
    expect(chunks).toBeGreaterThanOrEqual(1);
    // ... and the log line per output, as the graceful stop logs its report.
    const logged = logLines(cli).filter((line) => line.msg.endsWith('exiting at once on a second signal'));
    expect(logged).toEqual([
      expect.objectContaining({ level: 40, output: 'sleep.0', chunks, bytes, msg: `exit: ${chunks} chunk(s) (${bytes} bytes) not delivered to sleep.0: exiting at once on a second signal` }),
    ]);
  });

  it.each(['SIGHUP', 'SIGUSR2'] as const)('%s is logged (warn) and changes nothing: the pipeline keeps delivering, then SIGTERM stops it gracefully', async (signal) => {
    const { args, out, trace, env } = genToJsonl(signal);
    const cli = startCli(args, { env });
    await waitFor(() => seqsIn(out).length >= 1 || !cli.running(), 15_000, 'a first record delivered');
    cli.child.kill(signal);
    await waitFor(() => logLines(cli).some((line) => line.msg.startsWith(`received ${signal}`)) || !cli.running(), 10_000, `the ${signal} log line`);
    expect(cli.running(), cli.stderr()).toBe(true);
    expect(logLines(cli).find((line) => line.msg.startsWith(`received ${signal}`))).toMatchObject({ level: 40 });
    if (signal === 'SIGHUP') expect(cli.stderr()).toContain('hot reloading is not enabled (set Hot_Reload On in [SERVICE])');

    // Still working: records keep arriving after the signal.
    const afterSignal = seqsIn(out).length;
    await waitFor(() => seqsIn(out).length >= afterSignal + 2 || !cli.running(), 15_000, 'two more records delivered');
    cli.child.kill('SIGTERM');
    expect(await cli.exit, cli.stderr()).toBe(0);
    const produced = sum(collected(trace));
    expect(seqsIn(out)).toEqual(Array.from({ length: produced }, (_, i) => i));
  });

  it("SIGUSR1 does not open Node's inspector: logged (info), no listening socket, keeps running, then SIGTERM stops it gracefully", async () => {
    // First, that the check below sees an inspector when nothing prevents
    // it: plain Node opens one on SIGUSR1 (--inspect-port=0: a free port,
    // whatever else runs on this machine).
    const plain = spawn(process.execPath, ['--inspect-port=0', '-e', 'process.stdout.write("ready\\n"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let ready = '';
      plain.stdout.on('data', (d: Buffer) => (ready += d.toString()));
      await waitFor(() => ready.includes('ready'), 10_000, 'plain Node to start');
      plain.kill('SIGUSR1');
      await waitFor(() => listeningPorts(plain.pid!).length > 0, 10_000, "plain Node's inspector to listen");
    } finally {
      plain.kill('SIGKILL');
    }

    const { args, out, trace, env } = genToJsonl('SIGUSR1');
    const cli = startCli(args, { env });
    await waitFor(() => seqsIn(out).length >= 1 || !cli.running(), 15_000, 'a first record delivered');
    expect(listeningPorts(cli.child.pid!)).toEqual([]);
    cli.child.kill('SIGUSR1');
    // Plain Node above listened within milliseconds; give flbhost two more
    // collects (seconds) to show it keeps working and does not.
    const atSignal = seqsIn(out).length;
    await waitFor(() => seqsIn(out).length >= atSignal + 2 || !cli.running(), 15_000, 'two more records delivered');
    expect(cli.running(), cli.stderr()).toBe(true);
    expect(listeningPorts(cli.child.pid!)).toEqual([]); // Node's inspector would listen on 127.0.0.1:9229
    expect(cli.stderr()).not.toMatch(/Debugger listening|Starting inspector/);
    expect(logLines(cli).find((line) => line.msg.startsWith('received SIGUSR1'))).toMatchObject({ level: 30 });

    cli.child.kill('SIGTERM');
    expect(await cli.exit, cli.stderr()).toBe(0);
    const produced = sum(collected(trace));
    expect(seqsIn(out)).toEqual(Array.from({ length: produced }, (_, i) => i));
  });
});
