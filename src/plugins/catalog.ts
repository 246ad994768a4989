/**
 * Every plugin flbhost knows of, as the API and the command show them: the
 * files installed in the plugin directory and the .so files the running
 * pipeline loaded (from anywhere), one entry per file (by real path), each
 * with what `flbhost inspect` says about it and the instances using it.
 *
 * Lookup by key (GET /api/v1/plugins/:name, `flbhost plugins describe`):
 * first the file's id (`out_loki@v2.9.1`, its base name without '.so'),
 * then the registered plugin name (`loki`, case-insensitive as Fluent Bit
 * compares them). No match is a 404; several (two versions of `loki`) a
 * 409 listing their ids.
 */
import { realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { PluginKind } from '../plan/properties.js';
import type { InspectReport } from '../proxy/inspect.js';
import { fileFacts, type InspectCache } from './inspect-cache.js';
import { checkPluginId, moduleVersion, parsePluginFileName, PLUGIN_SUFFIX } from './naming.js';
import type { PluginStore } from './store.js';
import { PluginStoreError } from './store-error.js';

/** A .so the running pipeline loaded (Pipeline.loadedPlugins()). */
export interface LoadedPluginInfo {
  path: string;
  name: string;
  kind: PluginKind;
  instances: string[];
}

export interface PluginEntry {
  /** The file's base name without '.so' (`out_loki@v2.9.1`): what describe and delete take. */
  id: string;
  /** The name it registers (`loki`), what a config's `Name` uses; null when its probe failed. */
  name: string | null;
  kind: PluginKind | null;
  /** From the file name; for a loaded file without one, its Go main module's version; else null. */
  version: string | null;
  /** Absolute path. */
  path: string;
  /** In the plugin directory: deletable. A plugin loaded from elsewhere is listed, never deleted. */
  installed: boolean;
  /** The running pipeline loaded this file. */
  loaded: boolean;
  /** The running pipeline's instances of it ([] when not in use). */
  instances: string[];
  /** null when the file is gone (a loaded file deleted since). */
  size: number | null;
  modified: string | null;
  sha256: string | null;
  /** `flbhost inspect`'s report: type, exports, Go toolchain and modules, notes. */
  inspect: InspectReport | null;
  /** Why the file could not be inspected. */
  error?: string;
}

/** The real path, or the absolute one for a file that is gone. */
async function identityPath(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/** The instances of the file at `path` among the loaded plugins (compared by real path). */
export async function instancesUsing(path: string, loaded: LoadedPluginInfo[]): Promise<string[]> {
  const target = await identityPath(path);
  const instances: string[] = [];
  for (const plugin of loaded) if ((await identityPath(plugin.path)) === target) instances.push(...plugin.instances);
  return instances;
}

export async function listPlugins(store: PluginStore | undefined, loaded: LoadedPluginInfo[], cache: InspectCache): Promise<PluginEntry[]> {
  const byRealPath = new Map<string, { path: string; installed: boolean; loaded?: LoadedPluginInfo; id: string; version: string | null }>();
  for (const file of store ? await store.installed() : []) {
    byRealPath.set(await identityPath(file.path), { path: file.path, installed: true, id: file.id, version: file.version });
  }
  for (const plugin of loaded) {
    const real = await identityPath(plugin.path);
    const known = byRealPath.get(real);
    if (known) {
      known.loaded = plugin;
      continue;
    }
    const parsed = parsePluginFileName(basename(plugin.path)) ?? { id: basename(plugin.path, PLUGIN_SUFFIX), version: null };
    byRealPath.set(real, { path: resolve(plugin.path), installed: false, loaded: plugin, id: parsed.id, version: parsed.version });
  }
  const seen = new Set<string>();
  const entries = await Promise.all(
    [...byRealPath.values()].map(async (file): Promise<PluginEntry> => {
      const facts = await fileFacts(file.path);
      if (facts) seen.add(facts.identity);
      const inspection = facts ? await cache.inspect(file.path, facts).catch((error: Error) => ({ sha256: null, report: undefined, error: error.message })) : undefined;
      const report = inspection?.report ? { ...inspection.report, path: file.path, realPath: await identityPath(file.path) } : null;
      return {
        id: file.id,
        name: file.loaded?.name ?? report?.name ?? null,
        kind: file.loaded?.kind ?? (report?.type as PluginKind | undefined) ?? null,
        version: file.version ?? (file.installed ? null : moduleVersion(report?.go ?? null)),
        path: file.path,
        installed: file.installed,
        loaded: file.loaded !== undefined,
        instances: file.loaded?.instances ?? [],
        size: facts?.size ?? null,
        modified: facts?.modified.toISOString() ?? null,
        sha256: inspection?.sha256 ?? null,
        inspect: report,
        ...(facts ? (inspection?.error !== undefined ? { error: inspection.error } : {}) : { error: `${file.path} is gone (deleted or moved since it was loaded)` }),
      };
    }),
  );
  cache.retain(seen);
  return entries;
}

/** One entry by id or registered name (see the header comment). */
export async function findPlugin(key: string, store: PluginStore | undefined, loaded: LoadedPluginInfo[], cache: InspectCache): Promise<PluginEntry> {
  const wanted = checkPluginId(key).id;
  const entries = await listPlugins(store, loaded, cache);
  let matches = entries.filter((entry) => entry.id === wanted);
  if (matches.length === 0) matches = entries.filter((entry) => entry.name !== null && entry.name.toLowerCase() === wanted.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    const known = entries.map((entry) => entry.id);
    throw new PluginStoreError(404, `no plugin '${wanted}': it is neither the id of a plugin (${known.length ? known.join(', ') : 'none is installed or loaded'}) nor the name one registers`);
  }
  throw new PluginStoreError(409, `'${wanted}' names several plugins (${matches.map((entry) => entry.id).join(', ')}); ask for one by its id`, {
    candidates: matches.map((entry) => ({ id: entry.id, path: entry.path })),
  });
}

/**
 * Deletes an installed plugin by id. Refused: a plugin loaded from outside
 * the directory (409), one the running pipeline's instances use (409, naming
 * them; `loaded` is read under the directory lock), a registered name in
 * place of an id (404 naming the ids to use).
 */
export async function deletePlugin(key: string, store: PluginStore, loaded: () => LoadedPluginInfo[], cache: InspectCache): Promise<{ id: string; path: string }> {
  const { id } = checkPluginId(key);
  if (!(await store.file(id))) {
    const entries = await listPlugins(store, loaded(), cache);
    const elsewhere = entries.find((entry) => entry.id === id && !entry.installed);
    if (elsewhere) {
      throw new PluginStoreError(409, `${id} was loaded from ${elsewhere.path}, outside the plugin directory ${store.dir}; flbhost deletes only plugins in its plugin directory`);
    }
    const named = entries.filter((entry) => entry.installed && entry.name !== null && entry.name.toLowerCase() === id.toLowerCase());
    const hint = named.length > 0 ? `; '${id}' is the name ${named.map((entry) => entry.id).join(', ')} register${named.length === 1 ? 's' : ''}: delete by id` : '';
    throw new PluginStoreError(404, `no plugin '${id}' is installed in ${store.dir}${hint}`);
  }
  const path = await store.remove(id, (file) => instancesUsing(file, loaded()));
  return { id, path };
}
