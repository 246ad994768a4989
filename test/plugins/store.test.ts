/**
 * The plugin directory through LocalPluginManager (what `flbhost plugins
 * --dir` and the HTTP API run), with real C plugins: installs probed in a
 * child, refusals that leave nothing behind, listing, lookup and delete.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalPluginManager } from '../../src/plugins/manager.js';
import { PluginStoreError } from '../../src/plugins/store-error.js';
import type { LoadedPluginInfo } from '../../src/plugins/catalog.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const scratch = tempDir('flbhost-plugins-src-');
let dir: string;
let loaded: LoadedPluginInfo[];
let manager: LocalPluginManager;
let lines: ReturnType<typeof captureLogger>['lines'];

beforeEach(() => {
  dir = join(tempDir('flbhost-plugins-'), 'plugins');
  loaded = [];
  const captured = captureLogger();
  lines = captured.lines;
  manager = new LocalPluginManager({ dir, logger: captured.logger, loaded: () => loaded });
});

async function refusal(promise: Promise<unknown>): Promise<PluginStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginStoreError);
  return error as PluginStoreError;
}

/** The directory's entries, temporary files included. */
function entries(): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

describe('install', () => {
  it('probes, then installs as name@version.so; the default version is a content hash for a C plugin', async () => {
    const answer = await manager.install(cPlugin('out_jsonl'));
    const sha = answer.installed.sha256!;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(answer.path).toBe(join(dir, `out_jsonl@sha256-${sha.slice(0, 12)}.so`));
    expect(answer.unchanged).toBe(false);
    expect(answer.message).toMatch(/not loaded into a running pipeline.*reload/);
    expect(answer.installed).toMatchObject({ id: `out_jsonl@sha256-${sha.slice(0, 12)}`, name: 'jsonl', kind: 'output', installed: true, loaded: false, instances: [] });
    expect(answer.installed.inspect).toMatchObject({ path: answer.path, name: 'jsonl', type: 'output', go: null });
    expect(answer.installed.inspect!.exports).toContain('FLBPluginFlushCtx');
    expect(readFileSync(answer.path).equals(readFileSync(cPlugin('out_jsonl')))).toBe(true);
    expect(entries()).toEqual([`out_jsonl@sha256-${sha.slice(0, 12)}.so`]);
    expect(lines.some((line) => line.msg.startsWith(`plugins: installed out_jsonl@sha256-${sha.slice(0, 12)} (output 'jsonl'`) && line.msg.endsWith(`from ${cPlugin('out_jsonl')}`))).toBe(true);
  });

  it('takes a given name and version, or the @version of the source file name', async () => {
    expect((await manager.install(cPlugin('out_jsonl'), { name: 'jsonl_out', version: 'v1.0.0' })).path).toBe(join(dir, 'jsonl_out@v1.0.0.so'));
    const source = join(scratch, 'out_count@v3.1.0.so');
    copyFileSync(cPlugin('out_count'), source);
    expect((await manager.install(source)).installed).toMatchObject({ id: 'out_count@v3.1.0', version: 'v3.1.0' });
  });

  it('installs the same bytes again as "unchanged"; other bytes under the same name@version are a 409', async () => {
    await manager.install(cPlugin('out_jsonl'), { version: 'v1' });
    const again = await manager.install(cPlugin('out_jsonl'), { version: 'v1' });
    expect(again.unchanged).toBe(true);
    const other = join(scratch, 'out_jsonl.so');
    copyFileSync(cPlugin('out_count'), other);
    const error = await refusal(manager.install(other, { version: 'v1' }));
    expect(error.status).toBe(409);
    expect(error.message).toMatch(/out_jsonl@v1 is already installed with other bytes/);
    // The installed file is untouched and no temporary file is left.
    expect(readFileSync(join(dir, 'out_jsonl@v1.so')).equals(readFileSync(cPlugin('out_jsonl')))).toBe(true);
    expect(entries()).toEqual(['out_jsonl@v1.so']);
  });

  it('refuses, with the probe\'s error and nothing left behind: a Register that segfaults, random bytes, a text file, missing symbols', async () => {
    const crash = await refusal(manager.install(cPlugin('broken_register_crash'), { name: 'crasher', version: 'v1' }));
    expect(crash.status).toBe(422);
    expect(crash.message).toMatch(/crashed while being loaded and registered.*SIGSEGV/s);
    // The message names the source, not the temporary file.
    expect(crash.message).toContain(cPlugin('broken_register_crash'));
    expect(crash.message).not.toContain('.install-');

    const random = join(scratch, 'random.so');
    writeFileSync(random, randomBytes(64 * 1024));
    expect(await refusal(manager.install(random))).toMatchObject({ status: 422, message: expect.stringMatching(/not an ELF shared object/) });
    const text = join(scratch, 'notes.so');
    writeFileSync(text, 'this is a text file, not a plugin\n');
    expect(await refusal(manager.install(text))).toMatchObject({ status: 422, message: expect.stringMatching(/not an ELF/) });
    expect((await refusal(manager.install(cPlugin('broken_no_register')))).message).toMatch(/FLBPluginRegister/);
    expect((await refusal(manager.install(cPlugin('broken_no_flush')))).status).toBe(422);
    expect(entries()).toEqual([]);
  });

  it('refuses unsafe names and versions before reading anything (400)', async () => {
    for (const name of ['../x', '.hidden', 'a/b']) {
      const error = await refusal(manager.install(cPlugin('out_jsonl'), { name }));
      expect(error.status).toBe(400);
      expect(error.message).toContain(`'${name}'`);
    }
    expect((await refusal(manager.install(cPlugin('out_jsonl'), { version: '../../etc' }))).status).toBe(400);
    expect(entries()).toEqual([]);
  });

  it('streams an upload to a temporary file; past the bound it is a 413 and nothing stays', async () => {
    const small = new LocalPluginManager({ dir, logger: captureLogger().logger, maxBytes: 100_000 });
    const upload = await small.installFrom({ source: { stream: Readable.from([readFileSync(cPlugin('out_jsonl'))]), from: 'a test' }, name: 'out_jsonl', version: 'v2' });
    expect(upload.path).toBe(join(dir, 'out_jsonl@v2.so'));
    const pieces = Array.from({ length: 4 }, () => randomBytes(40_000));
    const error = await refusal(small.installFrom({ source: { stream: Readable.from(pieces), from: 'a test' }, name: 'big', version: 'v1' }));
    expect(error.status).toBe(413);
    expect(entries()).toEqual(['out_jsonl@v2.so']);
    // A local file over the bound is refused before it is copied.
    const big = join(scratch, 'big.so');
    writeFileSync(big, Buffer.concat(pieces));
    expect((await refusal(small.install(big))).status).toBe(413);
    expect(entries()).toEqual(['out_jsonl@v2.so']);
  });
});

describe('list, describe, delete', () => {
  it('lists installed and loaded plugins once each, probing each file once', async () => {
    const jsonl = await manager.install(cPlugin('out_jsonl'), { version: 'v1' });
    loaded = [
      { path: jsonl.path, name: 'jsonl', kind: 'output', instances: ['jsonl.0'] },
      { path: cPlugin('out_count'), name: 'count', kind: 'output', instances: [] },
    ];
    const probesBefore = manager.cache.probes;
    const list = await manager.list();
    expect(list.plugins_dir).toBe(dir);
    expect(list.plugins.map(({ id, name, installed, loaded: isLoaded, instances }) => ({ id, name, installed, loaded: isLoaded, instances }))).toEqual([
      { id: 'out_jsonl@v1', name: 'jsonl', installed: true, loaded: true, instances: ['jsonl.0'] },
      { id: 'out_count', name: 'count', installed: false, loaded: true, instances: [] },
    ]);
    // out_jsonl@v1 was probed when installed; only out_count is new.
    expect(manager.cache.probes).toBe(probesBefore + 1);
    await manager.list();
    await manager.describe('count');
    expect(manager.cache.probes).toBe(probesBefore + 1);
  });

  it('describes by id or registered name; 404 for neither, 409 when a name is ambiguous', async () => {
    await manager.install(cPlugin('out_jsonl'), { version: 'v1' });
    expect((await manager.describe('out_jsonl@v1')).inspect?.description).toBe('Append events as JSON lines to a file');
    expect((await manager.describe('out_jsonl@v1.so')).id).toBe('out_jsonl@v1');
    expect((await manager.describe('JSONL')).id).toBe('out_jsonl@v1');
    expect(await refusal(manager.describe('nothing'))).toMatchObject({ status: 404, message: expect.stringMatching(/no plugin 'nothing'.*out_jsonl@v1/) });
    await manager.install(cPlugin('out_jsonl'), { version: 'v2' });
    const ambiguous = await refusal(manager.describe('jsonl'));
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.message).toMatch(/out_jsonl@v1, out_jsonl@v2/);
    expect((await refusal(manager.describe('../x'))).status).toBe(400);
  });

  it('deletes an unused installed file; refuses one in use (naming the instances), one outside the directory, and a registered name', async () => {
    const jsonl = await manager.install(cPlugin('out_jsonl'), { version: 'v1' });
    loaded = [
      { path: jsonl.path, name: 'jsonl', kind: 'output', instances: ['jsonl.0', 'audit'] },
      { path: cPlugin('out_count'), name: 'count', kind: 'output', instances: [] },
    ];
    const inUse = await refusal(manager.remove('out_jsonl@v1'));
    expect(inUse.status).toBe(409);
    expect(inUse.message).toMatch(/in use by the running pipeline \(jsonl\.0, audit\)/);
    expect(inUse.details).toEqual({ instances: ['jsonl.0', 'audit'] });
    expect(entries()).toEqual(['out_jsonl@v1.so']);

    const outside = await refusal(manager.remove('out_count'));
    expect(outside.status).toBe(409);
    expect(outside.message).toMatch(/outside the plugin directory/);
    const byName = await refusal(manager.remove('jsonl'));
    expect(byName.status).toBe(404);
    expect(byName.message).toMatch(/'jsonl' is the name out_jsonl@v1 registers: delete by id/);

    loaded = [];
    expect(await manager.remove('out_jsonl@v1')).toEqual({ deleted: 'out_jsonl@v1', path: jsonl.path });
    expect(entries()).toEqual([]);
    expect(lines.some((line) => line.msg === 'plugins: deleted out_jsonl@v1')).toBe(true);
    expect((await refusal(manager.remove('out_jsonl@v1'))).status).toBe(404);
  });

  it('without a directory: lists the loaded plugins, refuses install and delete with how to enable them', async () => {
    const none = new LocalPluginManager({ logger: captureLogger().logger, loaded: () => [{ path: cPlugin('out_count'), name: 'count', kind: 'output', instances: ['count.0'] }] });
    const list = await none.list();
    expect(list.plugins_dir).toBeNull();
    expect(list.plugins).toEqual([expect.objectContaining({ id: 'out_count', name: 'count', installed: false, instances: ['count.0'] })]);
    for (const attempt of [none.install(cPlugin('out_jsonl')), none.remove('out_count')]) {
      expect(await refusal(attempt)).toMatchObject({ status: 409, message: expect.stringMatching(/Plugins_Dir/) });
    }
  });
});
