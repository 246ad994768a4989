/**
 * Where the plugin-host executable is: built beside the addon (CMake and
 * node-gyp both put it there), so whichever addon is loaded, its own host
 * comes with it. FLBHOST_PLUGIN_HOST overrides.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addonPath } from '../native.js';

export const PLUGIN_HOST_NAME = 'flbhost-plugin-host';

export function pluginHostPath(): string {
  return process.env.FLBHOST_PLUGIN_HOST ?? join(dirname(addonPath()), PLUGIN_HOST_NAME);
}

/** The path, or an error saying how to get it. */
export function requirePluginHost(): string {
  const path = pluginHostPath();
  if (!existsSync(path)) {
    throw new Error(
      `flbhost: the plugin host is not built: ${path} does not exist. It runs plugins configured with ` +
        '`Isolation process` and checks every .so before flbhost loads it; run `npm install` (or `npm run build`) to build it.',
    );
  }
  return path;
}
