/**
 * `flbhost plugins` as users run it (bin/flbhost.js): on a plugin directory
 * (--dir) and against a running `flbhost -c` with Plugins_Dir and the HTTP
 * server on (--url), with real C plugins.
 */
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { MAX_PLUGIN_BYTES } from '../../src/plugins/install.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'cli-plugins-token';
const root = tempDir('flbhost-cli-plugins-');
const noToken = { ...process.env, FLBHOST_HTTP_TOKEN: '' };

function plugins(args: string[], env: NodeJS.ProcessEnv = noToken) {
  const result = runCli(['plugins', ...args], { env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('flbhost plugins --dir', () => {
  const dir = join(root, 'dir-mode');

  it('installs, lists, describes and deletes on the directory itself', () => {
    const installed = plugins(['install', cPlugin('out_jsonl'), '--version', 'v1', '--dir', dir]);
    expect(installed.status).toBe(0);
    expect(installed.stdout).toMatch(/^installed out_jsonl@v1 \(output 'jsonl', \d+ bytes, sha256 [0-9a-f]{64}\)\npath: .*out_jsonl@v1\.so\nIt is not loaded/);
    expect(readdirSync(dir)).toEqual(['out_jsonl@v1.so']);

    const list = plugins(['list', `--dir=${dir}`]);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(`plugins directory: ${dir}`);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+KIND\s+VERSION\s+INSTANCES\s+WHERE$/m);
    expect(list.stdout).toMatch(/^out_jsonl@v1\s+jsonl\s+output\s+v1\s+-\s+installed$/m);
    const json = JSON.parse(plugins(['list', '--dir', dir, '--json']).stdout) as { plugins_dir: string; plugins: Array<Record<string, unknown>> };
    expect(json.plugins_dir).toBe(dir);
    expect(json.plugins).toEqual([expect.objectContaining({ id: 'out_jsonl@v1', name: 'jsonl', version: 'v1', installed: true, instances: [] })]);

    const describe = plugins(['describe', 'jsonl', '--dir', dir]);
    expect(describe.status).toBe(0);
    expect(describe.stdout).toMatch(/^id:\s+out_jsonl@v1$/m);
    expect(describe.stdout).toMatch(/^description: Append events as JSON lines to a file$/m);
    expect(describe.stdout).toMatch(/^go:\s+not a Go binary$/m);

    const deleted = plugins(['delete', 'out_jsonl@v1', '--dir', dir]);
    expect([deleted.status, deleted.stdout.trim()]).toEqual([0, `deleted out_jsonl@v1 (${join(dir, 'out_jsonl@v1.so')})`]);
    expect(readdirSync(dir)).toEqual([]);
    expect(plugins(['describe', 'out_jsonl@v1', '--dir', dir]).status).toBe(1);
  });

  it('fails (1) on what the probe refuses, leaving nothing; usage errors and unsafe names are 2', () => {
    const crash = plugins(['install', cPlugin('broken_register_crash'), '--dir', dir]);
    expect(crash.status).toBe(1);
    expect(crash.stderr).toMatch(/flbhost plugins: .*crashed while being loaded and registered.*SIGSEGV/);
    const text = join(root, 'readme.so');
    writeFileSync(text, 'not a plugin\n');
    expect(plugins(['install', text, '--dir', dir]).stderr).toMatch(/not an ELF shared object/);
    expect(readdirSync(dir)).toEqual([]);

    for (const args of [
      ['install', cPlugin('out_jsonl'), '--name', '../x', '--dir', dir],
      ['install', cPlugin('out_jsonl'), '--name', '.hidden', '--dir', dir],
      ['delete', 'a/b', '--dir', dir],
      ['list'],
      ['list', '--dir', dir, '--url', 'http://127.0.0.1:1'],
      ['remove', 'x', '--dir', dir],
      ['install', '--dir', dir],
      ['list', '--dir', dir, '--bogus'],
      ['delete', 'x', '--version', 'v1', '--dir', dir],
    ]) {
      const result = plugins(args);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), 2]);
      expect(result.stderr).toContain('Usage: flbhost plugins');
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(plugins(['--help']).stdout).toContain('flbhost plugins install PATH.so');
    expect(runCli(['--help']).stdout).toContain('plugins install PATH');
  });
});

describe('flbhost plugins --dir with a Go plugin', () => {
  const dir = join(root, 'go');
  const gpanic = inject('goPlugins').out_gpanic!;

  it('refuses one whose package init() panics (the probe child dies, not flbhost); installs it otherwise, showing its Go build', () => {
    const panics = plugins(['install', gpanic, '--name', 'out_gpanic', '--dir', dir], { ...noToken, GPANIC_IN_INIT: '1' });
    expect(panics.status).toBe(1);
    expect(panics.stderr).toMatch(/crashed while being loaded and registered .*panic/s);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);

    const installed = plugins(['install', gpanic, '--name', 'out_gpanic', '--dir', dir, '--json']);
    expect(installed.status).toBe(0);
    const answer = JSON.parse(installed.stdout) as { installed: { id: string; version: string; inspect: { go: { goVersion: string; main: { version: string }; deps: Array<{ path: string }> } } } };
    // Built as (devel): the version is the content hash.
    expect(answer.installed.inspect.go.main.version).toBe('(devel)');
    expect(answer.installed.version).toMatch(/^sha256-[0-9a-f]{12}$/);
    expect(answer.installed.id).toBe(`out_gpanic@${answer.installed.version}`);
    expect(answer.installed.inspect.go.goVersion).toMatch(/^go1\./);
    expect(answer.installed.inspect.go.deps.map((dep) => dep.path)).toContain('github.com/fluent/fluent-bit-go');
    const described = plugins(['describe', 'gpanic', '--dir', dir]).stdout;
    expect(described).toMatch(/^go:\s+go1\.\d+/m);
    expect(described).toMatch(/^  dep github\.com\/fluent\/fluent-bit-go /m);
  });
});

describe('flbhost plugins --url against a running flbhost', () => {
  const dir = join(root, 'served');
  let cli: RunningCli;
  let url: string;

  beforeAll(async () => {
    // Installed before the first start, with --dir; the config names the installed path.
    expect(plugins(['install', cPlugin('out_jsonl'), '--version', 'v1', '--dir', dir]).status).toBe(0);
    const conf = join(root, 'served.conf');
    writeFileSync(
      conf,
      ['[SERVICE]', '    Flush 0.2', '    HTTP_Server On', '    HTTP_Port 0', `    Plugins_Dir ${dir}`, '[INPUT]', '    Name dummy', '    Tag app', '[OUTPUT]', '    Name jsonl', '    Match *', `    path ${join(root, 'out.jsonl')}`, ''].join('\n'),
    );
    cli = startCli(['-c', conf, '-e', join(dir, 'out_jsonl@v1.so')], { env: { ...process.env, FLBHOST_HTTP_TOKEN: TOKEN } });
    let port: number | undefined;
    await waitFor(
      () => {
        const line = cli.stderr().split('\n').find((text) => text.includes('http server listening on'));
        if (line) port = (JSON.parse(line) as { port: number }).port;
        return port !== undefined || !cli.running();
      },
      20_000,
      'the http server line',
    );
    if (port === undefined) throw new Error(`flbhost exited: ${cli.stderr()}`);
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (cli?.running()) {
      cli.child.kill('SIGTERM');
      await cli.exit;
    }
  });

  const withToken = { ...process.env, FLBHOST_HTTP_TOKEN: TOKEN };

  it('lists and describes what the server loaded, with its instances', () => {
    const list = plugins(['list', '--url', url]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^out_jsonl@v1\s+jsonl\s+output\s+v1\s+jsonl\.0\s+installed, loaded$/m);
    const entry = JSON.parse(plugins(['describe', 'jsonl', '--url', url, '--json']).stdout) as Record<string, unknown>;
    expect(entry).toMatchObject({ id: 'out_jsonl@v1', loaded: true, instances: ['jsonl.0'], inspect: { name: 'jsonl' } });
  });

  it('uploads an install and deletes it (token from FLBHOST_HTTP_TOKEN or --token); refuses deleting what is in use', async () => {
    const source = join(root, 'out_count.so');
    copyFileSync(cPlugin('out_count'), source);
    const installed = plugins(['install', source, '--version', 'v2', '--url', url], withToken);
    expect(installed.status).toBe(0);
    expect(installed.stdout).toMatch(/^installed out_count@v2 \(output 'count'/);
    expect(existsSync(join(dir, 'out_count@v2.so'))).toBe(true);
    // The server's log line (read once this process's event loop runs again: runCli blocks it).
    await waitFor(() => /plugins: installed out_count@v2 .* from out_count \(uploaded by 127\.0\.0\.1\)/.test(cli.stderr()), 5000, 'the install log line');

    const inUse = plugins(['delete', 'out_jsonl@v1', '--url', url], withToken);
    expect(inUse.status).toBe(1);
    expect(inUse.stderr).toMatch(/409: out_jsonl@v1 is in use by the running pipeline \(jsonl\.0\)/);
    expect(existsSync(join(dir, 'out_jsonl@v1.so'))).toBe(true);

    const deleted = plugins(['delete', 'out_count@v2', '--url', url, '--token', TOKEN]);
    expect(deleted.status).toBe(0);
    expect(existsSync(join(dir, 'out_count@v2.so'))).toBe(false);
    await waitFor(() => /plugins: deleted out_count@v2/.test(cli.stderr()), 5000, 'the delete log line');
  });

  it('fails (1) with the server\'s reason: no or a wrong token, a plugin that crashes when probed', () => {
    const missing = plugins(['install', cPlugin('out_count'), '--url', url]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/401: this endpoint needs 'Authorization: Bearer <token>'/);
    const wrong = plugins(['delete', 'out_jsonl@v1', '--url', url, '--token', 'nope']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/401: the bearer token is not the configured one/);
    const crash = plugins(['install', cPlugin('broken_register_crash'), '--url', url], withToken);
    expect(crash.status).toBe(1);
    expect(crash.stderr).toMatch(/422: .*killed by SIGSEGV/);
    expect(readdirSync(dir)).toEqual(['out_jsonl@v1.so']);
    // flbhost survived all of it.
    expect(cli.running()).toBe(true);
    expect(plugins(['list', '--url', url]).status).toBe(0);
  });

  it('refuses an upload that declares more than MAX_PLUGIN_BYTES (256 MiB) at once with 413, reading none of it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/v1/plugins?name=huge&version=v1`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(MAX_PLUGIN_BYTES + 1), authorization: `Bearer ${TOKEN}` },
      }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(MAX_PLUGIN_BYTES).toBe(256 * 1024 * 1024);
    expect(status).toBe(413);
    expect(readdirSync(dir)).toEqual(['out_jsonl@v1.so']);
  });
});
