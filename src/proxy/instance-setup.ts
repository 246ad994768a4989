/**
 * The steps every kind of instance (output, input, custom) takes the same
 * way: what the plugin will see (log level, properties), the instance's
 * logger, and starting it, where Init's result decides whether it runs.
 */
import { PluginError } from '../errors.js';
import { FLB_LOG_LEVELS, levelOfLogger, parseLogLevel, type HostLogger, type LogLevelName } from '../logging.js';
import type { PluginLibrary } from './library.js';
import type { InstanceEvents } from '../backend/backend.js';
import { prepareProperties, type PluginKind, type PropertiesInput } from '../plan/properties.js';

export interface InstanceSettingsInput {
  properties?: PropertiesInput;
  logLevel?: LogLevelName;
  expandEnv?: boolean;
}

/** The log level number and the properties the plugin will read. */
export function instanceSettings(
  plugin: PluginLibrary,
  kind: PluginKind,
  options: InstanceSettingsInput,
): { logLevel: number; properties: Array<[string, string]> } {
  const level = options.logLevel === undefined ? levelOfLogger(plugin.logger) : parseLogLevel(options.logLevel);
  const { visible } = prepareProperties(kind, options.properties, {
    expand: options.expandEnv,
    onMissingEnv: (name) => plugin.logger.warn(`environment variable \${${name}} is not set; it expands to nothing`),
  });
  return { logLevel: FLB_LOG_LEVELS[level], properties: visible };
}

/** The instance's logger; plugin log lines carrying its id are written through it. */
export function instanceLogger(
  plugin: PluginLibrary,
  native: { id: number; name: string },
  chunk?: InstanceEvents['chunk'],
): HostLogger {
  const logger = plugin.logger.child({ instance: native.name });
  plugin.backend.attachPlugin(plugin.name, plugin.logger);
  plugin.backend.attach(native.id, { logger, chunk });
  return logger;
}

/** What starting an instance needs of its native object. */
interface StartableInstance {
  name: string;
  start(): Promise<number>;
  unreadProperties(): string[];
}

/**
 * FLBPluginInit (and PreRun) on the instance's thread. A result <= 0 means
 * the instance is not started, as in Fluent Bit: a PluginError carrying it.
 * Once started, every configured key the plugin did not read is named on
 * `logger`: most often a typo, which the plugin itself never reports.
 */
export async function startNativeInstance(plugin: PluginLibrary, native: StartableInstance, logger: HostLogger): Promise<void> {
  const details = { phase: 'init' as const, path: plugin.path, plugin: plugin.name, instance: native.name };
  let code: number;
  try {
    code = await native.start();
  } catch (error) {
    throw new PluginError(`${native.name}: cannot start: ${(error as Error).message}`, details);
  }
  if (code <= 0) {
    throw new PluginError(`${native.name}: FLBPluginInit returned ${code}; the instance is not started`, { ...details, returnCode: code });
  }
  warnUnreadProperties(native, logger);
}

/**
 * Plugins read their configuration in Init (Go plugins through
 * FLBPluginConfigKey), so a key still unread after Init and PreRun is one
 * the plugin does not know. A plugin that reads a key only later (at its
 * first flush, say) gets a needless warning; that is the price of catching
 * the typo at start-up.
 */
function warnUnreadProperties(native: StartableInstance, logger: HostLogger): void {
  for (const key of native.unreadProperties()) {
    logger.warn({ property: key }, `property '${key}' of ${native.name} was never read by the plugin; a typo?`);
  }
}
