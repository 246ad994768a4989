/**
 * /api/v1/plugins through startHttpServer, with real requests, a running
 * pipeline that uses a plugin installed in the plugin directory and one
 * loaded from elsewhere, and real C plugins uploaded and installed.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { request as rawRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, startHttpServer, type RunningHttpServer } from '../../src/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => Record<string, unknown>;
}

const TOKEN = 'plugins-token';
const BOUND = 1024 * 1024;

/**
 * One request. `body` is written in the pieces given (no content-length:
 * chunked) or as one Buffer. Resolves with the answer even when the server
 * closes the connection while the body is still being sent (a refused upload).
 */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string | Buffer[] } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = rawRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> }));
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pieces = options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
    const next = (i: number): void => {
      if (i === pieces.length) return void req.end();
      if (req.destroyed) return;
      if (req.write(pieces[i]!)) setImmediate(() => next(i + 1));
      else req.once('drain', () => next(i + 1));
    };
    next(0);
  });
}

const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
const upload = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/octet-stream', ...auth(), ...extra });

const root = tempDir('flbhost-http-plugins-');
const dir = join(root, 'plugins');
const installedJsonl = join(dir, 'out_jsonl@v1.so');
const { logger, lines } = captureLogger();
let pipeline: Pipeline;
let bare: Pipeline;
let server: RunningHttpServer;
let open: RunningHttpServer;
let noDir: RunningHttpServer;

/** Files in the plugin directory, temporary ones included. */
const files = () => readdirSync(dir).sort();

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  copyFileSync(cPlugin('out_jsonl'), installedJsonl);
  pipeline = new Pipeline({
    logger,
    service: { flush: 0.05, pluginsDir: dir },
    plugins: [installedJsonl, cPlugin('out_count')],
    inputs: [{ name: 'lib', tag: 'app' }],
    outputs: [
      { name: 'jsonl', match: '*', properties: { path: join(root, 'out.jsonl') } },
      { name: 'count', match: '*' },
    ],
  });
  await pipeline.start();
  server = await startHttpServer(pipeline, { port: 0, token: TOKEN, maxPluginBytes: BOUND });
  open = await startHttpServer(pipeline, { port: 0, env: {} });
  bare = new Pipeline({ logger: captureLogger().logger, plugins: [cPlugin('out_count')], inputs: [{ name: 'lib' }], outputs: [{ name: 'count', match: '*' }] });
  await bare.start();
  noDir = await startHttpServer(bare, { port: 0, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await open?.close();
  await noDir?.close();
  await pipeline?.stop();
  await bare?.stop();
});

describe('GET /api/v1/plugins', () => {
  it('lists the installed and the loaded plugins, with inspect reports and instances', async () => {
    const answer = await call(`${server.url}/api/v1/plugins`);
    expect(answer.status).toBe(200);
    const body = answer.json() as { plugins_dir: string; plugins: Array<Record<string, unknown>> };
    expect(body.plugins_dir).toBe(dir);
    expect(body.plugins.map(({ id, name, kind, version, installed, loaded, instances }) => ({ id, name, kind, version, installed, loaded, instances }))).toEqual([
      { id: 'out_jsonl@v1', name: 'jsonl', kind: 'output', version: 'v1', installed: true, loaded: true, instances: ['jsonl.0'] },
      { id: 'out_count', name: 'count', kind: 'output', version: null, installed: false, loaded: true, instances: ['count.0'] },
    ]);
    expect(body.plugins[0]!.path).toBe(installedJsonl);
    expect(body.plugins[0]!.inspect).toMatchObject({ name: 'jsonl', type: 'output', go: null, exports: expect.arrayContaining(['FLBPluginRegister', 'FLBPluginFlushCtx']) });
    expect(body.plugins[1]!.path).toBe(cPlugin('out_count'));
  });

  it('describes one by id (percent-encoded or not) or by registered name; 404 and 400 otherwise', async () => {
    for (const key of ['out_jsonl@v1', 'out_jsonl%40v1', 'jsonl']) {
      const answer = await call(`${server.url}/api/v1/plugins/${key}`);
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ id: 'out_jsonl@v1', instances: ['jsonl.0'] });
    }
    expect((await call(`${server.url}/api/v1/plugins/count`)).json()).toMatchObject({ id: 'out_count', installed: false });
    const missing = await call(`${server.url}/api/v1/plugins/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404, error: expect.stringMatching(/no plugin 'nothing'/) });
    expect((await call(`${server.url}/api/v1/plugins/.hidden`)).status).toBe(400);
    expect((await call(`${server.url}/api/v1/plugins/a%2fb`)).status).toBe(400);
    expect((await call(`${server.url}/api/v1/plugins/out_jsonl@v1/more`)).status).toBe(404);
  });
});

describe('POST /api/v1/plugins', () => {
  it('installs an upload, streamed, as name@version.so and says how to use it', async () => {
    const answer = await call(`${server.url}/api/v1/plugins?name=out_count&version=v9`, { method: 'POST', headers: upload(), body: readFileSync(cPlugin('out_count')) });
    expect(answer.status).toBe(201);
    const body = answer.json() as { path: string; installed: Record<string, unknown>; message: string; unchanged: boolean };
    expect(body.path).toBe(join(dir, 'out_count@v9.so'));
    expect(answer.headers.location).toBe('/api/v1/plugins/out_count%40v9');
    expect(body.unchanged).toBe(false);
    expect(body.installed).toMatchObject({ id: 'out_count@v9', name: 'count', installed: true, loaded: false, instances: [] });
    expect(body.message).toMatch(/not loaded into a running pipeline.*plugins file, -e or plugins:.*reload/);
    expect(readFileSync(body.path).equals(readFileSync(cPlugin('out_count')))).toBe(true);
    expect(lines.some((line) => /^plugins: installed out_count@v9 \(output 'count', \d+ bytes\) from out_count \(uploaded by /.test(line.msg))).toBe(true);
    expect(lines.some((line) => line.msg.startsWith('http: POST /api/v1/plugins from') && line.msg.endsWith('token accepted'))).toBe(true);
  });

  it('installs a file on the host from a JSON body; the same again is 200 "unchanged"', async () => {
    const first = await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify({ path: cPlugin('in_gen'), version: 'v1.0.0' }) });
    expect(first.status).toBe(201);
    expect(first.json()).toMatchObject({ path: join(dir, 'in_gen@v1.0.0.so'), installed: { name: 'gen', kind: 'input' } });
    const again = await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify({ path: cPlugin('in_gen'), version: 'v1.0.0' }) });
    expect([again.status, again.json().unchanged]).toEqual([200, true]);
    const relative = await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: auth(), body: JSON.stringify({ path: 'build/plugins/in_gen.so' }) });
    expect(relative.status).toBe(400);
    expect(relative.json().error).toMatch(/must be absolute/);
    expect((await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: auth(), body: '{not json' })).status).toBe(400);
  });

  it('refuses with 422 and the probe\'s error: an upload that segfaults in Register, random bytes, a text file; nothing stays', async () => {
    const before = files();
    const crash = await call(`${server.url}/api/v1/plugins?name=crasher&version=v1`, { method: 'POST', headers: upload(), body: readFileSync(cPlugin('broken_register_crash')) });
    expect(crash.status).toBe(422);
    expect(crash.json().error).toMatch(/crashed while being loaded and registered .* in a probe process: killed by SIGSEGV/);
    expect(crash.json().error).toMatch(/crasher \(uploaded by /);
    const random = await call(`${server.url}/api/v1/plugins?name=random&version=v1`, { method: 'POST', headers: upload(), body: randomBytes(200_000) });
    expect([random.status, random.json().error]).toEqual([422, expect.stringMatching(/not an ELF shared object/)]);
    const text = await call(`${server.url}/api/v1/plugins?name=text&version=v1`, { method: 'POST', headers: upload(), body: 'hello, not a plugin\n' });
    expect(text.status).toBe(422);
    expect(files()).toEqual(before);
    // The server is still there.
    expect((await call(`${server.url}/api/v1/uptime`)).status).toBe(200);
  });

  it('refuses a body over the bound with 413, streamed or declared, and leaves nothing in the directory', async () => {
    const before = files();
    const streamed = await call(`${server.url}/api/v1/plugins?name=huge&version=v1`, {
      method: 'POST',
      headers: upload(),
      body: Array.from({ length: 40 }, () => randomBytes(64 * 1024)),
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json().error).toMatch(new RegExp(`larger than ${BOUND} bytes`));
    const declared = await call(`${server.url}/api/v1/plugins?name=huge&version=v1`, { method: 'POST', headers: upload({ 'content-length': String(BOUND + 1) }) });
    expect(declared.status).toBe(413);
    expect(files()).toEqual(before);
    expect(existsSync(join(dir, 'huge@v1.so'))).toBe(false);
  });

  it('refuses unsafe names and versions (400), a missing name (400) and other content types (415)', async () => {
    for (const name of ['../x', '.hidden', 'a/b']) {
      const answer = await call(`${server.url}/api/v1/plugins?name=${encodeURIComponent(name)}&version=v1`, { method: 'POST', headers: upload(), body: readFileSync(cPlugin('out_count')) });
      expect(answer.status).toBe(400);
      expect(answer.json().error).toContain(`'${name}'`);
    }
    const json = await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: auth(), body: JSON.stringify({ path: cPlugin('out_count'), name: '../../etc/x' }) });
    expect(json.status).toBe(400);
    expect((await call(`${server.url}/api/v1/plugins?name=ok&version=..`, { method: 'POST', headers: upload(), body: 'x' })).status).toBe(400);
    expect((await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: upload(), body: 'x' })).json().error).toMatch(/needs \?name=/);
    expect((await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth() }, body: 'x' })).status).toBe(415);
    expect(files().filter((file) => !file.startsWith('out_') && !file.startsWith('in_'))).toEqual([]);
  });
});

describe('DELETE /api/v1/plugins/:name', () => {
  it('refuses while the pipeline uses the plugin (409 naming the instances), and one loaded from outside the directory', async () => {
    const inUse = await call(`${server.url}/api/v1/plugins/out_jsonl@v1`, { method: 'DELETE', headers: auth() });
    expect(inUse.status).toBe(409);
    expect(inUse.json()).toMatchObject({ instances: ['jsonl.0'], error: expect.stringMatching(/in use by the running pipeline \(jsonl\.0\)/) });
    expect(existsSync(installedJsonl)).toBe(true);
    const outside = await call(`${server.url}/api/v1/plugins/out_count`, { method: 'DELETE', headers: auth() });
    expect(outside.status).toBe(409);
    expect(outside.json().error).toMatch(/outside the plugin directory/);
    expect(existsSync(cPlugin('out_count'))).toBe(true);
  });

  it('deletes an installed plugin nothing uses; then it is gone (404)', async () => {
    const source = join(root, 'out_status@v2.so');
    copyFileSync(cPlugin('out_status'), source);
    expect((await call(`${server.url}/api/v1/plugins`, { method: 'POST', headers: auth(), body: JSON.stringify({ path: source }) })).status).toBe(201);
    const deleted = await call(`${server.url}/api/v1/plugins/out_status@v2`, { method: 'DELETE', headers: auth() });
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toEqual({ deleted: 'out_status@v2', path: join(dir, 'out_status@v2.so') });
    expect(existsSync(join(dir, 'out_status@v2.so'))).toBe(false);
    expect(lines.some((line) => line.msg === 'plugins: deleted out_status@v2')).toBe(true);
    expect((await call(`${server.url}/api/v1/plugins/out_status@v2`)).status).toBe(404);
    expect((await call(`${server.url}/api/v1/plugins/out_status@v2`, { method: 'DELETE', headers: auth() })).status).toBe(404);
  });
});

describe('the token guard and a server without Plugins_Dir', () => {
  const mutations = (): Array<{ path: string; method: string; headers: Record<string, string>; body?: Buffer | string }> => [
    { path: '/api/v1/plugins?name=out_count&version=v3', method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: readFileSync(cPlugin('out_count')) },
    { path: '/api/v1/plugins', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: cPlugin('out_count'), version: 'v3' }) },
    { path: '/api/v1/plugins/out_count@v9', method: 'DELETE', headers: {}, body: undefined },
  ];

  it('refuses every change without a configured token (403) and with a missing or wrong one (401)', async () => {
    const before = files();
    for (const { path, method, headers, body } of mutations()) {
      const forbidden = await call(`${open.url}${path}`, { method, headers: { ...headers, ...auth() }, body });
      expect([path, method, forbidden.status]).toEqual([path, method, 403]);
      expect(forbidden.json().error).toMatch(/no token is configured/);
      const missing = await call(`${server.url}${path}`, { method, headers, body });
      expect([path, method, missing.status]).toEqual([path, method, 401]);
      const wrong = await call(`${server.url}${path}`, { method, headers: { ...headers, ...auth('not-the-token') }, body });
      expect([path, method, wrong.status]).toEqual([path, method, 401]);
    }
    expect(files()).toEqual(before);
    expect(existsSync(join(dir, 'out_count@v9.so'))).toBe(true);
    // Reading needs no token.
    expect((await call(`${open.url}/api/v1/plugins`)).status).toBe(200);
  });

  it('without Plugins_Dir: lists the loaded plugins; install and delete answer 409 saying how to enable them', async () => {
    const list = await call(`${noDir.url}/api/v1/plugins`);
    expect(list.status).toBe(200);
    expect(list.json()).toMatchObject({ plugins_dir: null, plugins: [{ id: 'out_count', name: 'count', instances: ['count.0'], installed: false }] });
    for (const { path, method, headers, body } of mutations()) {
      const answer = await call(`${noDir.url}${path}`, { method, headers: { ...headers, ...auth() }, body });
      expect([path, method, answer.status]).toEqual([path, method, 409]);
      expect(answer.json().error).toMatch(/no plugin directory is configured; set Plugins_Dir in \[SERVICE\]/);
    }
  });
});
