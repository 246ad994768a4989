/**
 * Loading a Fluent Bit config file (`flbhost -c FILE`): YAML for .yaml /
 * .yml, the classic format otherwise, as Fluent Bit chooses.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { assemble, type LoadedConfig } from './assemble.js';
import { parseClassicFile } from './classic.js';
import type { VariableLookup } from '../plan/expand.js';
import { LoadContext } from './common.js';
import { isYamlPath } from './plugins-file.js';
import { parseYamlFile } from './yaml.js';

export interface LoadConfigOptions {
  /** Variables `${VAR}` falls back to after @SET / `env:` (default: process.env). */
  env?: VariableLookup;
  /** Directory relative paths are taken against (default: process.cwd()). */
  cwd?: string;
}

/**
 * Reads a config file and everything it includes or names (plugins files)
 * into the engine's PipelineConfig. Every ConfigError message starts with
 * "<file>:<line>: ", except for a main file that cannot be read.
 */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  return loadConfigFileSync(path, options);
}

/** loadConfigFile, synchronously. */
export function loadConfigFileSync(path: string, options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  const ctx = new LoadContext(cwd, options.env ?? process.env, file);
  const readError = (reason: string) => new ConfigError(`cannot read config file '${path}': ${reason}`);
  if (isYamlPath(file)) parseYamlFile(file, ctx, readError);
  else parseClassicFile(file, ctx, readError);
  return assemble(ctx);
}
