/**
 * The HTTP server of the flbhost command (HTTP_Server On), with real
 * requests, and its Prometheus names compared with the reference Fluent Bit
 * binary's for the same pipeline (skipped when that binary is absent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { fluentBitBinary } from '../../scripts/fluent-bit-binary.mjs';

const dir = tempDir('flbhost-http-');
const fluentBit = fluentBitBinary(repoRoot) ?? '';
const running: Array<RunningCli | ChildProcess> = [];

afterAll(async () => {
  for (const child of running) {
    const proc = 'child' in child ? child.child : child;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
});

function pipelineConf(service: string[]): string {
  return ['[SERVICE]', '    Flush 0.2', ...service.map((line) => `    ${line}`), '[INPUT]', '    Name dummy', '    Tag app', '[OUTPUT]', '    Name null', '    Match *', ''].join('\n');
}

/** Starts flbhost with `conf` and waits for its "http server listening" line; returns the URL. */
async function startFlbhost(conf: string, env: NodeJS.ProcessEnv = {}): Promise<{ cli: RunningCli; url: string; line: Record<string, unknown> }> {
  const file = join(dir, `flbhost-${running.length}.conf`);
  writeFileSync(file, conf);
  const cli = startCli(['-c', file], { env: { ...process.env, FLBHOST_HTTP_TOKEN: '', ...env } });
  running.push(cli);
  let line: Record<string, unknown> | undefined;
  await waitFor(
    () => {
      const found = cli.stderr().split('\n').find((text) => text.includes('http server listening on'));
      if (found) line = JSON.parse(found) as Record<string, unknown>;
      return line !== undefined || !cli.running();
    },
    20_000,
    'the http server line',
  );
  if (!line) throw new Error(`flbhost exited: ${cli.stderr()}`);
  return { cli, url: `http://127.0.0.1:${line.port as number}`, line };
}

/** The metric names and their label names, from Prometheus text. */
function families(text: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const row of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(row);
    if (!match || row.startsWith('#')) continue;
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)].map((m) => m[1]!).sort();
    result.set(match[1]!, labels);
  }
  return result;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('flbhost -c with HTTP_Server On', () => {
  it('serves the endpoints on 127.0.0.1 at an OS-chosen port, takes the token from FLBHOST_HTTP_TOKEN, and closes at stop', async () => {
    const { cli, url, line } = await startFlbhost(pipelineConf(['HTTP_Server On', 'HTTP_Port 0', 'Health_Check On']), { FLBHOST_HTTP_TOKEN: 'cli-token' });
    expect(line.address).toBe('127.0.0.1');
    expect(cli.stderr()).not.toMatch(/HTTP_Server.*not supported/);
    for (const path of ['/', '/api/v1/uptime', '/api/v1/metrics', '/api/v1/metrics/prometheus', '/api/v2/metrics', '/api/v2/metrics/prometheus', '/api/v1/storage', '/api/v1/health', '/api/v2/health']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(200);
    }
    const metrics = (await (await fetch(`${url}/api/v1/metrics`)).json()) as { input: Record<string, { records: number }> };
    expect(Object.keys(metrics.input)).toEqual(['dummy.0']);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    const refused = await fetch(`${url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(refused.status).toBe(401);
    const accepted = await fetch(`${url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer cli-token' } });
    expect(accepted.status).toBe(400); // past the guard: Hot_Reload is off here
    expect(cli.running()).toBe(true);
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toMatch(/http: POST \/api\/v2\/reload from 127\.0\.0\.1: token accepted/);
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });

  it('answers 403 on state changes when no token is configured', async () => {
    const { cli, url } = await startFlbhost(pipelineConf(['HTTP_Server On', 'HTTP_Port 0']));
    const answer = await fetch(`${url}/api/v2/reload`, { method: 'POST' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toMatch(/FLBHOST_HTTP_TOKEN/);
    // Health_Check off: /api/v1/health does not exist (as in Fluent Bit); /api/v2/health does.
    expect((await fetch(`${url}/api/v1/health`)).status).toBe(404);
    expect((await fetch(`${url}/api/v2/health`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
  });

  it('exits with an error when the port is taken', async () => {
    const { cli, line } = await startFlbhost(pipelineConf(['HTTP_Server On', 'HTTP_Port 0']));
    const file = join(dir, 'taken.conf');
    writeFileSync(file, pipelineConf(['HTTP_Server On', `HTTP_Port ${line.port as number}`]));
    const second = startCli(['-c', file]);
    running.push(second);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toMatch(/HTTP server cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    cli.child.kill('SIGTERM');
    await cli.exit;
  });

  it.skipIf(fluentBit === '')('uses the Prometheus names and labels of Fluent Bit for the same pipeline', async () => {
    const port = await freePort();
    const file = join(dir, 'fluent-bit.conf');
    writeFileSync(file, pipelineConf(['HTTP_Server On', 'HTTP_Listen 127.0.0.1', `HTTP_Port ${port}`, 'Health_Check On']));
    const reference = spawn(fluentBit, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.push(reference);
    const theirs = { v1: '', v2: '' };
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        theirs.v1 = await (await fetch(`http://127.0.0.1:${port}/api/v1/metrics/prometheus`)).text();
        if (theirs.v1.includes('fluentbit_output_proc_records_total')) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    theirs.v2 = await (await fetch(`http://127.0.0.1:${port}/api/v2/metrics/prometheus`)).text();
    reference.kill('SIGTERM');

    const { cli, url } = await startFlbhost(pipelineConf(['HTTP_Server On', 'HTTP_Port 0', 'Health_Check On']));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ours = { v1: await (await fetch(`${url}/api/v1/metrics/prometheus`)).text(), v2: await (await fetch(`${url}/api/v2/metrics/prometheus`)).text() };
    cli.child.kill('SIGTERM');
    await cli.exit;

    // v1: the same names with the same label names, nothing more, nothing less.
    expect(families(ours.v1)).toEqual(families(theirs.v1));
    // v2: every fluentbit_ name flbhost reports is one Fluent Bit reports, with the same label names.
    const reference2 = families(theirs.v2);
    const ours2 = families(ours.v2);
    const fluentbitNames = [...ours2.keys()].filter((name) => name.startsWith('fluentbit_'));
    expect(fluentbitNames.length).toBeGreaterThanOrEqual(19);
    for (const name of fluentbitNames) expect({ name, labels: ours2.get(name) }).toEqual({ name, labels: reference2.get(name) });
    // The same instance names in the name label.
    expect(ours.v1).toContain('fluentbit_input_records_total{name="dummy.0"}');
    expect(theirs.v1).toMatch(/fluentbit_input_records_total\{name="dummy\.0"\}/);
    expect(ours.v1).toContain('fluentbit_output_proc_records_total{name="null.0"}');
    expect(theirs.v1).toMatch(/fluentbit_output_proc_records_total\{name="null\.0"\}/);
  });
});
