/**
 * Where plugin log lines (flb_api.log_print) end up: the logger of the
 * instance that logged, or of its plugin when the line came from a thread
 * the host cannot tie to an instance.
 */
import { logAtFlbLevel, type HostLogger } from '../logging.js';
import type { NativeAddon } from '../native.js';

// Kept for the life of the environment, like the native instance objects:
// a Go plugin may log from its own threads after its instance closed.
const instanceLoggers = new Map<number, HostLogger>();
const pluginLoggers = new Map<string, HostLogger>();
let fallback: HostLogger | undefined;
let installedOn: NativeAddon | undefined;

export function routePluginLogs(addon: NativeAddon, logger: HostLogger): void {
  fallback ??= logger;
  if (installedOn === addon) return;
  installedOn = addon;
  addon.setLogHandler((level, plugin, instanceId, file, line, message) => {
    const target =
      instanceLoggers.get(instanceId) ??
      pluginLoggers.get(plugin) ??
      (fallback ?? logger).child({ plugin: plugin || 'unknown' });
    const fields = file ? { file, line } : {};
    logAtFlbLevel(target, level, fields, message);
  });
}

export function registerPluginLogger(plugin: string, logger: HostLogger): void {
  pluginLoggers.set(plugin, logger);
}

export function registerInstanceLogger(instanceId: number, logger: HostLogger): void {
  instanceLoggers.set(instanceId, logger);
}
