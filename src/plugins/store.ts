/**
 * The plugin directory (Plugins_Dir): the one place that knows its layout.
 * Every `<name>@<version>.so` in it (naming.ts) is an installed plugin;
 * files starting with '.' are installs in progress; anything else is not
 * a plugin and is left alone. A `.so` without '@version', copied there by
 * hand, is listed too (version null) and can be deleted.
 *
 * The HTTP API (src/http/plugin-endpoints.ts) and `flbhost plugins --dir`
 * both go through this class, so the naming, the probe before accepting and
 * the refusals are the same for both.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HostLogger } from '../logging.js';
import { fileFacts, InspectCache, type FileFacts } from './inspect-cache.js';
import { installPlugin, type InstallRequest, type InstallResult } from './install.js';
import { checkPluginId, parsePluginFileName, PLUGIN_SUFFIX, type PluginFileName } from './naming.js';
import { PluginStoreError } from './store-error.js';
import { withDirectoryLock } from './directory-lock.js';

export interface InstalledFile extends PluginFileName {
  /** Absolute path of the file. */
  path: string;
  facts: FileFacts;
}

export class PluginStore {
  /** Absolute: Plugins_Dir resolved against the working directory. */
  readonly dir: string;
  readonly cache: InspectCache;

  constructor(
    dir: string,
    private readonly logger: HostLogger,
    cache?: InspectCache,
  ) {
    this.dir = resolve(dir);
    this.cache = cache ?? new InspectCache(logger);
  }

  /** Every plugin file in the directory, by id; [] when the directory does not exist yet. */
  async installed(): Promise<InstalledFile[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const files: InstalledFile[] = [];
    for (const fileName of names.sort()) {
      if (!fileName.endsWith(PLUGIN_SUFFIX)) continue;
      const parsed = parsePluginFileName(fileName);
      if (!parsed) continue;
      const path = join(this.dir, fileName);
      const facts = await fileFacts(path);
      if (facts) files.push({ ...parsed, path, facts });
    }
    return files;
  }

  /** The installed file with this id (`out_loki@v2.9.1`, '.so' optional); undefined when there is none. */
  async file(id: string): Promise<InstalledFile | undefined> {
    const parsed = checkPluginId(id);
    const path = join(this.dir, `${parsed.id}${PLUGIN_SUFFIX}`);
    const facts = await fileFacts(path);
    return facts ? { ...parsed, path, facts } : undefined;
  }

  install(request: InstallRequest): Promise<InstallResult> {
    return installPlugin(this.dir, request, this.cache, this.logger);
  }

  /**
   * Removes an installed file. `instancesUsing(path)` names the running
   * pipeline's instances of it (checked under the directory lock): any
   * refuses the delete (409). Answers the removed file's path.
   */
  async remove(id: string, instancesUsing: (path: string) => Promise<string[]> = async () => []): Promise<string> {
    const parsed = checkPluginId(id);
    const path = join(this.dir, `${parsed.id}${PLUGIN_SUFFIX}`);
    return withDirectoryLock(this.dir, async () => {
      const info = await lstat(path).catch(() => undefined);
      if (!info) throw new PluginStoreError(404, `no plugin '${parsed.id}' is installed in ${this.dir}`);
      const instances = await instancesUsing(path);
      if (instances.length > 0) {
        throw new PluginStoreError(409, `${parsed.id} is in use by the running pipeline (${instances.join(', ')}); remove those instances from the configuration and reload before deleting it`, {
          instances,
        });
      }
      await rm(path);
      this.logger.info({ path }, `plugins: deleted ${parsed.id}`);
      return path;
    });
  }
}
