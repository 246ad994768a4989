/** Fluent Bit config files (classic and YAML) → the engine's PipelineConfig. */
export { loadConfigFile, loadConfigFileSync, type LoadConfigOptions } from './load.js';
export type { LoadedConfig, LoadedPipelineConfig, UnsupportedServiceKey } from './assemble.js';
