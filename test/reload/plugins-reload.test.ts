/**
 * The plugin management API and hot reload together, on a running flbhost
 * command, as an operator upgrades a plugin: upload a versioned .so, name it
 * in the configuration, reload; the plugin runs and cannot be deleted while
 * it does; a reload to a configuration without it frees it for deletion.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const started: RunningCli[] = [];
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.running()) cli.child.kill('SIGKILL');
});

describe('plugin management with hot reload', () => {
  it('installs an uploaded .so, runs it after a reload, refuses to delete it while it runs, deletes it once a reload dropped it', async () => {
    const dir = tempDir('flbhost-plugins-reload-');
    const pluginsDir = join(dir, 'plugins');
    const conf = join(dir, 'fluent-bit.conf');
    const out = join(dir, 'out.jsonl');
    const service = ['[SERVICE]', '    Flush 0.1', '    Hot_Reload On', '    HTTP_Server On', '    HTTP_Port 0', '    HTTP_Token s3cret', `    Plugins_Dir ${pluginsDir}`];
    const input = ['[INPUT]', '    Name stdin', '    Tag app'];
    const withNull = [...service, ...input, '[OUTPUT]', '    Name null', '    Match *', ''].join('\n');
    writeFileSync(conf, withNull);
    const cli = startCli(['-c', conf], { env: { ...process.env, FLBHOST_HTTP_TOKEN: '' } });
    started.push(cli);
    await waitFor(() => cli.stderr().includes('http server listening') || !cli.running(), 20_000, 'the http server');
    const url = `http://127.0.0.1:${/"port":(\d+)/.exec(cli.stderr())![1]}`;
    const auth = { authorization: 'Bearer s3cret' };

    // Upload the bytes, as an operator shipping a build would.
    const upload = await fetch(`${url}/api/v1/plugins?name=out_jsonl&version=v1.2.3`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: readFileSync(cPlugin('out_jsonl')),
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
    const installed = ((await upload.json()) as { path: string }).path;
    expect(installed).toBe(join(pluginsDir, 'out_jsonl@v1.2.3.so'));

    // Name it in the configuration and reload.
    writeFileSync(join(dir, 'plugins.conf'), `[PLUGINS]\n    Path ${installed}\n`);
    writeFileSync(conf, [...service, '    Plugins_File plugins.conf', ...input, '[OUTPUT]', '    Name jsonl', '    Match *', `    Path ${out}`, ''].join('\n'));
    const reloaded = await fetch(`${url}/api/v2/reload`, { method: 'POST', headers: auth });
    expect(reloaded.status, await reloaded.clone().text()).toBe(200);
    cli.child.stdin!.write('{"seq":1}\n{"seq":2}\n');
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').filter(Boolean).length === 2, 10_000, 'records through the installed plugin');

    const described = (await (await fetch(`${url}/api/v1/plugins/out_jsonl@v1.2.3`)).json()) as { instances: string[]; loaded: boolean };
    expect(described).toMatchObject({ loaded: true, instances: ['jsonl.0'] });
    const refused = await fetch(`${url}/api/v1/plugins/out_jsonl@v1.2.3`, { method: 'DELETE', headers: auth });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toMatch(/jsonl\.0/);

    // A reload back to a configuration without it frees it.
    writeFileSync(conf, withNull);
    expect((await fetch(`${url}/api/v2/reload`, { method: 'POST', headers: auth })).status).toBe(200);
    const deleted = await fetch(`${url}/api/v1/plugins/out_jsonl@v1.2.3`, { method: 'DELETE', headers: auth });
    expect(deleted.status, await deleted.clone().text()).toBe(200);
    expect(existsSync(installed)).toBe(false);

    cli.child.stdin!.end();
    expect(await cli.exit, cli.stderr()).toBe(0);
  });
});
