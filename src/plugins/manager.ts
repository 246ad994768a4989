/**
 * The four operations on plugins and the shapes of their answers, the same
 * for the HTTP API (which serves them), `flbhost plugins --dir` (which runs
 * them on a directory) and `flbhost plugins --url` (which asks a server:
 * http-client.ts).
 *
 *   list      { plugins_dir, plugins: PluginEntry[] }
 *   describe  PluginEntry
 *   install   { installed: PluginEntry, path, unchanged, message }
 *   remove    { deleted, path }
 */
import type { HostLogger } from '../logging.js';
import { deletePlugin, findPlugin, listPlugins, type LoadedPluginInfo, type PluginEntry } from './catalog.js';
import { InspectCache } from './inspect-cache.js';
import { MAX_PLUGIN_BYTES, type InstallRequest } from './install.js';
import { PluginStore } from './store.js';
import { PluginStoreError } from './store-error.js';

export interface PluginList {
  /** The plugin directory (absolute); null when none is configured. */
  plugins_dir: string | null;
  plugins: PluginEntry[];
}

export interface InstallAnswer {
  installed: PluginEntry;
  /** The installed file: what a plugins file, -e or plugins: names. */
  path: string;
  unchanged: boolean;
  message: string;
}

export interface DeleteAnswer {
  deleted: string;
  path: string;
}

export interface InstallOptions {
  name?: string;
  version?: string;
}

/** What `flbhost plugins` drives, on a directory or through a server. */
export interface PluginManager {
  list(): Promise<PluginList>;
  describe(name: string): Promise<PluginEntry>;
  /** Installs the .so at `path` (a local file; a remote manager uploads it). */
  install(path: string, options?: InstallOptions): Promise<InstallAnswer>;
  remove(name: string): Promise<DeleteAnswer>;
}

export const NO_PLUGINS_DIR =
  'installing and deleting plugins is off: no plugin directory is configured; set Plugins_Dir in [SERVICE] ' +
  '(plugins_dir under service: in YAML, service.pluginsDir in the library API) and restart flbhost';

export interface LocalManagerOptions {
  /** The plugin directory; undefined: plugins are listed (the loaded ones), not installed or deleted. */
  dir?: string;
  logger: HostLogger;
  /** The running pipeline's .so files (Pipeline.loadedPlugins()); none by default. */
  loaded?: () => LoadedPluginInfo[];
  /** The largest plugin accepted (default MAX_PLUGIN_BYTES). */
  maxBytes?: number;
}

/** The operations run here, on the directory itself. */
export class LocalPluginManager implements PluginManager {
  readonly maxBytes: number;
  readonly cache: InspectCache;
  readonly store?: PluginStore;
  private readonly loaded: () => LoadedPluginInfo[];

  constructor(options: LocalManagerOptions) {
    this.maxBytes = options.maxBytes ?? MAX_PLUGIN_BYTES;
    this.cache = new InspectCache(options.logger);
    this.store = options.dir === undefined ? undefined : new PluginStore(options.dir, options.logger, this.cache);
    this.loaded = options.loaded ?? (() => []);
  }

  async list(): Promise<PluginList> {
    return { plugins_dir: this.store?.dir ?? null, plugins: await listPlugins(this.store, this.loaded(), this.cache) };
  }

  describe(name: string): Promise<PluginEntry> {
    return findPlugin(name, this.store, this.loaded(), this.cache);
  }

  install(path: string, options: InstallOptions = {}): Promise<InstallAnswer> {
    return this.installFrom({ source: { path }, ...options });
  }

  /** Installs from a local file or a stream (an upload). */
  async installFrom(request: InstallRequest): Promise<InstallAnswer> {
    const store = this.requireStore();
    const result = await store.install({ maxBytes: this.maxBytes, ...request });
    const installed = await findPlugin(result.id, store, this.loaded(), this.cache);
    const message = result.unchanged
      ? `${result.id} was already installed with the same bytes; nothing changed`
      : `installed ${result.id} at ${result.path}; it is not loaded into a running pipeline: name that path in a plugins file, -e or plugins:, then reload`;
    return { installed, path: result.path, unchanged: result.unchanged, message };
  }

  async remove(name: string): Promise<DeleteAnswer> {
    const { id, path } = await deletePlugin(name, this.requireStore(), this.loaded, this.cache);
    return { deleted: id, path };
  }

  /** The store; a 409 saying how to configure one when there is none. */
  requireStore(): PluginStore {
    if (!this.store) throw new PluginStoreError(409, NO_PLUGINS_DIR);
    return this.store;
  }
}
