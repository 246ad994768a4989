/**
 * Hot reload of the flbhost command (Hot_Reload On), with a real process,
 * real signals and real HTTP requests: SIGHUP and POST /api/v2/reload
 * switch outputs while records stream in on stdin, and every record is
 * written once, before or after the switch; a broken configuration is
 * refused and the old one keeps running; requests without the token are
 * refused; the HTTP server follows a changed HTTP_Port.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli as startCliProcess, type RunningCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const started: RunningCli[] = [];
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.running()) cli.child.kill('SIGKILL');
});

interface Setup {
  dir: string;
  conf: string;
  write(output: string, service?: string[]): void;
}

function setup(service: string[]): Setup {
  const dir = tempDir('flbhost-cli-reload-');
  const conf = join(dir, 'fluent-bit.conf');
  const write = (output: string, extra: string[] = []) =>
    writeFileSync(
      conf,
      ['[SERVICE]', '    Flush 0.1', '    Grace 5', ...[...service, ...extra].map((line) => `    ${line}`), '[INPUT]', '    Name stdin', '    Tag app',
        '[OUTPUT]', '    Name file', '    Match *', `    Path ${dir}`, `    File ${output}`, '    Format plain', ''].join('\n'),
    );
  return { dir, conf, write };
}

function start(conf: string): RunningCli {
  const cli = startCliProcess(['-c', conf], { env: { ...process.env, FLBHOST_HTTP_TOKEN: '' } });
  started.push(cli);
  return cli;
}

/** The seq of every record written to `file` (none when it does not exist yet). */
function seqsIn(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { seq: number }).seq);
}

function feed(cli: RunningCli, from: number, to: number): void {
  let text = '';
  for (let seq = from; seq <= to; seq++) text += `${JSON.stringify({ seq, msg: 'x'.repeat(seq % 50) })}\n`;
  cli.child.stdin!.write(text);
}

function logLines(cli: RunningCli): Array<{ level: number; msg: string; [key: string]: unknown }> {
  return cli.stderr().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
}

async function httpUrl(cli: RunningCli, nth = 1): Promise<string> {
  await waitFor(() => logLines(cli).filter((line) => line.msg.startsWith('http server listening')).length >= nth || !cli.running(), 20_000, 'the http server line');
  const line = logLines(cli).filter((l) => l.msg.startsWith('http server listening'))[nth - 1];
  if (!line) throw new Error(`flbhost exited: ${cli.stderr()}`);
  return `http://127.0.0.1:${line.port as number}`;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('flbhost hot reload', () => {
  it('SIGHUP switches the output while records stream in on stdin: each is written once, before or after the switch', async () => {
    const { dir, conf, write } = setup(['Hot_Reload On']);
    write('before.jsonl');
    const cli = start(conf);
    const before = join(dir, 'before.jsonl');
    const after = join(dir, 'after.jsonl');
    feed(cli, 1, 500);
    await waitFor(() => seqsIn(before).length === 500 || !cli.running(), 15_000, 'the first 500 records');
    write('after.jsonl');
    // Records keep coming while the reload runs.
    cli.child.kill('SIGHUP');
    feed(cli, 501, 1000);
    await waitFor(() => logLines(cli).some((line) => line.msg === 'reload: the new configuration runs') || !cli.running(), 15_000, 'the reload');
    feed(cli, 1001, 1500);
    cli.child.stdin!.end();
    expect(await cli.exit, cli.stderr()).toBe(0);
    const written = [...seqsIn(before), ...seqsIn(after)];
    expect(written.sort((a, b) => a - b)).toEqual(range(1, 1500));
    expect(seqsIn(after).length).toBeGreaterThanOrEqual(500);
    expect(logLines(cli).find((line) => line.msg === 'received SIGHUP: reloading the configuration')).toMatchObject({ level: 30 });
  });

  it('POST /api/v2/reload needs the token, switches the output, counts the reload, and refuses a broken configuration while the old one runs on', async () => {
    const { dir, conf, write } = setup(['Hot_Reload On', 'HTTP_Server On', 'HTTP_Port 0', 'HTTP_Token s3cret']);
    write('one.jsonl');
    const cli = start(conf);
    const url = await httpUrl(cli);
    const reload = (token?: string) => fetch(`${url}/api/v2/reload`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });

    expect((await reload()).status).toBe(401);
    expect((await reload('wrong')).status).toBe(401);
    expect(await (await fetch(`${url}/api/v2/reload`)).json()).toEqual({ hot_reload_count: 0 });

    feed(cli, 1, 100);
    await waitFor(() => seqsIn(join(dir, 'one.jsonl')).length === 100, 15_000, 'records before the reload');
    write('two.jsonl');
    const done = await reload('s3cret');
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ reload: 'done', status: 0, hot_reload_count: 1 });
    feed(cli, 101, 200);
    await waitFor(() => seqsIn(join(dir, 'two.jsonl')).length === 100, 15_000, 'records after the reload');
    expect(await (await fetch(`${url}/api/v2/reload`)).json()).toEqual({ hot_reload_count: 1 });
    expect(await (await fetch(`${url}/api/v2/metrics/prometheus`)).text()).toMatch(/^fluentbit_hot_reloaded_times\{hostname="[^"]+"\} 1$/m);

    // A broken file: 422 with the reason (file:line), and the running configuration goes on.
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}[OUTPUT\n`);
    const refused = await reload('s3cret');
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as { reload: string; error: string; running: boolean };
    expect(body).toMatchObject({ reload: 'failed', status: -3, running: true, hot_reload_count: 1 });
    expect(body.error).toMatch(/fluent-bit\.conf:\d+: .*still running the previous configuration/);
    feed(cli, 201, 300);
    await waitFor(() => seqsIn(join(dir, 'two.jsonl')).length === 200, 15_000, 'records after the refused reload');
    expect(logLines(cli).some((line) => line.level === 40 && /refused POST \/api\/v2\/reload/.test(line.msg))).toBe(true);

    cli.child.stdin!.end();
    expect(await cli.exit, cli.stderr()).toBe(0);
    expect([...seqsIn(join(dir, 'one.jsonl')), ...seqsIn(join(dir, 'two.jsonl'))]).toEqual(range(1, 300));
  });

  it('without Hot_Reload: SIGHUP is logged and ignored, the endpoint answers 400 saying how to enable it', async () => {
    const { conf, write } = setup(['HTTP_Server On', 'HTTP_Port 0', 'HTTP_Token s3cret']);
    write('out.jsonl');
    const cli = start(conf);
    const url = await httpUrl(cli);
    cli.child.kill('SIGHUP');
    await waitFor(() => cli.stderr().includes('hot reloading is not enabled') || !cli.running(), 10_000, 'the SIGHUP line');
    const answer = await fetch(`${url}/api/v2/reload`, { method: 'PUT', headers: { authorization: 'Bearer s3cret' } });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ reload: 'not enabled', status: -1, error: expect.stringMatching(/Hot_Reload On/) });
    expect(cli.running()).toBe(true);
    cli.child.stdin!.end();
    expect(await cli.exit, cli.stderr()).toBe(0);
  });

  it('moves the HTTP server when a reload changes HTTP_Port', async () => {
    const { conf, write } = setup(['Hot_Reload On', 'HTTP_Server On', 'HTTP_Token s3cret']);
    const [first, second] = [await freePort(), await freePort()];
    write('out.jsonl', [`HTTP_Port ${first}`]);
    const cli = start(conf);
    const url = await httpUrl(cli);
    expect(url).toBe(`http://127.0.0.1:${first}`);
    write('out.jsonl', [`HTTP_Port ${second}`]);
    const answer = await fetch(`${url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
    expect(answer.status).toBe(200);
    const moved = await httpUrl(cli, 2);
    expect(moved).toBe(`http://127.0.0.1:${second}`);
    expect(await (await fetch(`${moved}/api/v2/reload`)).json()).toEqual({ hot_reload_count: 1 });
    await expect(fetch(`${url}/api/v1/uptime`)).rejects.toThrow();
    cli.child.stdin!.end();
    expect(await cli.exit, cli.stderr()).toBe(0);
  });
});
