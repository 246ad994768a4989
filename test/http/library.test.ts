/**
 * The HTTP server through the library API: real requests against
 * startHttpServer() for a running pipeline (lib input, null output).
 */
import { request as rawRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { Pipeline, registerPipelineMetrics, startHttpServer, MAX_BODY_BYTES, type RunningHttpServer } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { waitFor } from '../helpers/wait.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request; `body` may be a Buffer of any size. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = rawRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Sends raw bytes and reads until the server closes. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (part) => (text += part.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

const { logger, lines } = captureLogger();
let pipeline: Pipeline;
let server: RunningHttpServer;
let guarded: RunningHttpServer;

beforeAll(async () => {
  pipeline = new Pipeline({
    logger,
    service: { flush: 0.05, healthCheck: true },
    inputs: [{ name: 'lib', tag: 'app' }],
    outputs: [{ name: 'null', match: '*' }],
  });
  await pipeline.start();
  for (let i = 0; i < 10; i++) pipeline.input('lib.0').push({ n: i });
  await waitFor(() => pipeline.metrics().outputs['null.0']!.records === 10, 5000, 'delivery');
  server = await startHttpServer(pipeline, { port: 0, env: {} });
  guarded = await startHttpServer(pipeline, { port: 0, token: 'right-token' });
});

afterAll(async () => {
  await server?.close();
  await guarded?.close();
  await pipeline?.stop();
});

describe('startHttpServer', () => {
  it('binds 127.0.0.1 by default, on the port the OS chose, and logs it', () => {
    expect(server.address).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(lines.some((line) => line.msg === `http server listening on ${server.url}` && line.port === server.port)).toBe(true);
  });

  it('/ names the build', async () => {
    const answer = await call(`${server.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({
      'fluent-bit': { version: expect.any(String), edition: 'flbhost', flags: [] },
      flbhost: { version: expect.any(String) },
    });
  });

  it('/api/v1/uptime', async () => {
    const body = JSON.parse((await call(`${server.url}/api/v1/uptime`)).body);
    expect(body).toEqual({ uptime_sec: expect.any(Number), uptime_hr: expect.stringMatching(/^flbhost has been running: 0 day, 0 hour, 0 minute and \d+ seconds$/) });
  });

  it('/api/v1/metrics: input, filter, output maps keyed by instance', async () => {
    const body = JSON.parse((await call(`${server.url}/api/v1/metrics`)).body);
    expect(body).toEqual({
      input: { 'lib.0': { records: 10, bytes: expect.any(Number) } },
      filter: {},
      output: {
        'null.0': { proc_records: 10, proc_bytes: expect.any(Number), errors: 0, retries: 0, retries_failed: 0, dropped_records: 0, retried_records: 0 },
      },
    });
  });

  it('/api/v1/metrics/prometheus: Fluent Bit v1 names, name label', async () => {
    const answer = await call(`${server.url}/api/v1/metrics/prometheus`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.body).toContain('fluentbit_input_records_total{name="lib.0"} 10');
    expect(answer.body).toContain('fluentbit_output_proc_records_total{name="null.0"} 10');
    expect(answer.body).toContain('# TYPE fluentbit_output_errors_total counter');
    expect(answer.body).toMatch(/^fluentbit_uptime \d+$/m);
    expect(answer.body).toMatch(/^fluentbit_build_info\{version="[^"]+",edition="flbhost"\} 1$/m);
    expect(answer.body).not.toContain('flbhost_');
  });

  it('/api/v2/metrics/prometheus: v2 names plus flbhost_ ones (paused inputs, isolation crashes, storage)', async () => {
    const { body } = await call(`${server.url}/api/v2/metrics/prometheus`);
    expect(body).toMatch(/^fluentbit_uptime\{hostname="[^"]+"\} \d+$/m);
    expect(body).toContain('fluentbit_input_ingestion_paused{name="lib.0"} 0');
    expect(body).toContain('fluentbit_storage_fs_chunks 0');
    expect(body).toContain('flbhost_output_crashes_total{name="null.0"} 0');
    expect(body).toContain('flbhost_output_restarts_total{name="null.0"} 0');
    expect(body).toContain('flbhost_output_flush_timeouts_total{name="null.0"} 0');
    expect(body).toContain('flbhost_input_pauses_total{name="lib.0"} 0');
  });

  it('/api/v2/metrics: one "<time> name{labels} = value" line per sample', async () => {
    const { body } = await call(`${server.url}/api/v2/metrics`);
    expect(body).toMatch(/^\S+Z fluentbit_output_proc_records_total\{name="null.0"\} = 10$/m);
  });

  it('/api/v1/storage: storage_layer and input_chunks', async () => {
    const body = JSON.parse((await call(`${server.url}/api/v1/storage`)).body);
    expect(body.storage_layer).toEqual({ chunks: { total_chunks: expect.any(Number), mem_chunks: expect.any(Number), fs_chunks: 0, fs_chunks_up: 0, fs_chunks_down: 0 } });
    expect(body.input_chunks['lib.0']).toEqual({
      status: { overlimit: false, mem_size: expect.stringMatching(/^\d+(\.\d)?[bKMG]$/), mem_limit: expect.any(String) },
      chunks: { total: 0, up: 0, down: 0, busy: 0, busy_size: '0b' },
    });
  });

  it('/api/v1/health answers "ok" (Health_Check on); /api/v2/health gives the numbers', async () => {
    const v1 = await call(`${server.url}/api/v1/health`);
    expect([v1.status, v1.body]).toEqual([200, 'ok\n']);
    const v2 = await call(`${server.url}/api/v2/health`);
    expect(v2.status).toBe(200);
    expect(JSON.parse(v2.body)).toEqual({ status: 'ok', errors: 0, retries_failed: 0, error_limit: 5, retry_failure_limit: 5, period_limit: 60 });
  });

  it('answers unknown paths 404, other methods 405, traversal 400, all as JSON', async () => {
    const missing = await call(`${server.url}/api/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'not found', status: 404, path: '/api/v1/nothing' });
    const method = await call(`${server.url}/api/v1/metrics`, { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('GET, HEAD');
    for (const path of ['/api/v1/../v1/metrics', '/api/v1/%2e%2e/metrics', '/api%2fv1/metrics']) {
      const answer = await rawExchange(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('"status":400');
    }
  });

  it('answers malformed requests, huge headers and huge bodies clearly and keeps running', async () => {
    expect(await rawExchange(server.port, 'THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 [^]*"malformed request"/);
    expect(await rawExchange(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    const body = Buffer.alloc(MAX_BODY_BYTES + 1);
    const declared = await call(`${server.url}/api/v1/metrics`, { method: 'GET', headers: { 'content-length': String(body.length) }, body });
    expect(declared.status).toBe(413);
    const streamed = await rawExchange(
      guarded.port,
      `POST /api/v2/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right-token\r\nTransfer-Encoding: chunked\r\n\r\n${(MAX_BODY_BYTES + 10).toString(16)}\r\n${'x'.repeat(MAX_BODY_BYTES + 10)}\r\n0\r\n\r\n`,
    );
    expect(streamed).toMatch(/^HTTP\/1\.1 413 /);
    expect((await call(`${server.url}/api/v1/uptime`)).status).toBe(200);
  });

  it('refuses state changes without a configured token: 403 saying how to enable them', async () => {
    const answer = await call(`${server.url}/api/v2/reload`, { method: 'POST' });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error).toMatch(/HTTP_Token.*FLBHOST_HTTP_TOKEN.*Authorization: Bearer/);
    // Even with a token sent: none is configured.
    expect((await call(`${server.url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer x' } })).status).toBe(403);
  });

  it('with a token: 401 when missing or wrong, the endpoint with the right one (400: this pipeline has Hot_Reload off); each attempt logged', async () => {
    const missing = await call(`${guarded.url}/api/v2/reload`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect((await call(`${guarded.url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    expect((await call(`${guarded.url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Basic cmlnaHQtdG9rZW4=' } })).status).toBe(401);
    const right = await call(`${guarded.url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer right-token' } });
    expect(right.status).toBe(400);
    expect(JSON.parse(right.body)).toMatchObject({ reload: 'not enabled', status: -1 });
    expect(lines.filter((line) => /http: (refused )?POST \/api\/v2\/reload/.test(line.msg)).length).toBeGreaterThanOrEqual(4);
    expect(lines.some((line) => /token accepted/.test(line.msg))).toBe(true);
    // Read-only endpoints stay open.
    expect((await call(`${guarded.url}/api/v1/metrics`)).status).toBe(200);
  });

  it('takes the token from FLBHOST_HTTP_TOKEN when HTTP_Token is unset', async () => {
    const fromEnv = await startHttpServer(pipeline, { port: 0, env: { FLBHOST_HTTP_TOKEN: 'env-token' } });
    try {
      expect((await call(`${fromEnv.url}/api/v2/reload`, { method: 'POST', headers: { authorization: 'Bearer env-token' } })).status).toBe(400);
      expect((await call(`${fromEnv.url}/api/v2/reload`, { method: 'POST' })).status).toBe(401);
    } finally {
      await fromEnv.close();
    }
  });

  it('refuses a port in use with a clear error', async () => {
    await expect(startHttpServer(pipeline, { port: server.port })).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
  });
});

describe('registerPipelineMetrics', () => {
  it("adds the pipeline's metrics to an application's own registry, read at scrape time", async () => {
    const registry = new Registry();
    const registered = await registerPipelineMetrics(pipeline, registry);
    let text = await registry.metrics();
    expect(text).toContain('fluentbit_output_proc_records_total{name="null.0"} 10');
    pipeline.input('lib.0').push({ n: 10 });
    await waitFor(() => pipeline.metrics().outputs['null.0']!.records === 11, 5000, 'delivery');
    text = await registry.metrics();
    expect(text).toContain('fluentbit_output_proc_records_total{name="null.0"} 11');
    registered.unregister();
    expect(await registry.metrics()).not.toContain('fluentbit_');
  });
});
