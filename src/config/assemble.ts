/**
 * From what the parsers read (RawConfig) to the engine's PipelineConfig:
 * `${VAR}` expansion with every variable known, [SERVICE] keys checked and
 * typed, plugins files read, and each [INPUT] / [OUTPUT] / [CUSTOM] turned
 * into an instance whose keys (all but Name) are kept as properties, in
 * file order, with their spelling and their raw text.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { CustomConfig, InputConfig, OutputConfig, PipelineConfig, ServiceConfig } from '../plan/config.js';
import { parseServiceValue, SERVICE_KEYS } from '../plan/service.js';
import { expandVariables } from '../plan/expand.js';
import { LoadContext, resolvePluginPath, type RawEntry, type RawPlugin, type RawSection } from './common.js';
import { readPluginsFile } from './plugins-file.js';

/** A [SERVICE] key flbhost does not act on (Parsers_File, ...). */
export interface UnsupportedServiceKey {
  key: string;
  value: string;
  /** "fluent-bit.conf:4" */
  source: string;
}

/** The pipeline a config file describes: every list present, plugin paths absolute. */
export interface LoadedPipelineConfig extends PipelineConfig {
  service: ServiceConfig;
  plugins: string[];
  inputs: InputConfig[];
  outputs: OutputConfig[];
  customs: CustomConfig[];
}

export interface LoadedConfig {
  config: LoadedPipelineConfig;
  /** Every file read (absolute paths): the config, its includes, plugins files. */
  files: string[];
  /** Things worth telling the user, each starting with "<file>:<line>: ". */
  warnings: string[];
  /** Service keys that were ignored (each is in `warnings` too). */
  unsupportedServiceKeys: UnsupportedServiceKey[];
}

export function assemble(ctx: LoadContext): LoadedConfig {
  const raw = ctx.raw;
  const reported = new Set<string>();
  const expand = (value: string, file: string, line: number): string =>
    expandVariables(value, { variables: raw.variables, env: ctx.env, onMissing: (name) => {
      const message = `\${${name}} is not set; it expands to nothing`;
      const key = `${file}\0${line}\0${message}`;
      if (reported.has(key)) return;
      reported.add(key);
      ctx.warn(file, line, message);
    } });
  const expandEntry = (entry: RawEntry): string => expand(entry.value, entry.file, entry.line);

  // --- service -------------------------------------------------------------
  const service: ServiceConfig = {};
  const unsupportedServiceKeys: UnsupportedServiceKey[] = [];
  const pluginsFiles: Array<{ entry: RawEntry; value: string }> = [];
  for (const entry of raw.service) {
    const value = expandEntry(entry);
    const field = SERVICE_KEYS[entry.key.toLowerCase()];
    if (field !== undefined) {
      // The plan's rule for the key, applied here so the error points at its line.
      (service as Record<string, unknown>)[field] = parseServiceValue(field, value, `${ctx.at(entry.file, entry.line)}: ${entry.key}`);
      continue;
    }
    switch (entry.key.toLowerCase()) {
      case 'plugins_file':
        if (value.trim() === '') throw ctx.error(entry.file, entry.line, `${entry.key}: the value is empty`);
        // Fluent Bit loads a plugins file each time the key is set.
        pluginsFiles.push({ entry, value: value.trim() });
        break;
      default:
        unsupportedServiceKeys.push({ key: entry.key, value, source: ctx.at(entry.file, entry.line) });
        ctx.warn(entry.file, entry.line, `service key '${entry.key}' is not supported by flbhost; ignored`);
    }
  }

  // --- plugins ---------------------------------------------------------------
  const declared: RawPlugin[] = [];
  for (const { entry, value } of pluginsFiles) declared.push(...readPluginsFileAt(entry, value, ctx));
  declared.push(...raw.plugins);
  const plugins: string[] = [];
  const pluginOrigin = new Map<string, string>();
  for (const plugin of declared) {
    const path = expand(plugin.path, plugin.file, plugin.line).trim();
    if (path === '') throw ctx.error(plugin.file, plugin.line, `${plugin.key}: the .so path is empty`);
    const found = resolvePluginPath(path, plugin.file, ctx.cwd);
    if (!found.exists) {
      throw ctx.error(plugin.file, plugin.line, `${plugin.key}: plugin '${path}' does not exist (looked for ${found.path})`);
    }
    const first = pluginOrigin.get(found.path);
    if (first !== undefined) {
      ctx.warn(plugin.file, plugin.line, `${plugin.key}: ${path} is already loaded (${first}); listed once`);
      continue;
    }
    pluginOrigin.set(found.path, ctx.at(plugin.file, plugin.line));
    plugins.push(found.path);
  }

  // --- instances ---------------------------------------------------------------
  const inputs: InputConfig[] = [];
  const outputs: OutputConfig[] = [];
  const customs: CustomConfig[] = [];
  for (const section of raw.sections) {
    const instance = instanceOf(section, expandEntry, ctx);
    if (section.kind === 'input') inputs.push(instance);
    else if (section.kind === 'output') outputs.push(instance);
    else customs.push(instance);
  }

  return {
    config: { service, plugins, inputs, outputs, customs },
    files: [...ctx.files],
    warnings: [...ctx.warnings],
    unsupportedServiceKeys,
  };
}

function instanceOf(
  section: RawSection,
  expand: (entry: RawEntry) => string,
  ctx: LoadContext,
): { name: string; source: string; properties: Array<[string, string]>; propertySources: string[]; expandEnv: false } {
  let nameEntry: RawEntry | undefined;
  const properties: Array<[string, string]> = [];
  const propertySources: string[] = [];
  for (const entry of section.entries) {
    if (entry.key.toLowerCase() === 'name') {
      if (nameEntry) {
        throw ctx.error(entry.file, entry.line, `${entry.key}: given twice in ${section.label} (first at line ${nameEntry.line})`);
      }
      nameEntry = entry;
    } else {
      properties.push([entry.key, expand(entry)]);
      propertySources.push(ctx.at(entry.file, entry.line));
    }
  }
  if (!nameEntry) throw ctx.error(section.file, section.line, `${section.label}: Name is missing (the plugin to run)`);
  const name = expand(nameEntry).trim();
  if (name === '') throw ctx.error(nameEntry.file, nameEntry.line, `${nameEntry.key}: '${nameEntry.value}' expands to nothing`);
  // Expanded here (once, with @SET variables, as Fluent Bit does): the
  // pipeline must not expand the values a second time.
  return { name, source: ctx.at(section.file, section.line), properties, propertySources, expandEnv: false };
}

/**
 * Fluent Bit's rule for Plugins_File: a relative path that does not exist
 * relative to the working directory is taken relative to the main config
 * file's directory.
 */
function readPluginsFileAt(entry: RawEntry, value: string, ctx: LoadContext): RawPlugin[] {
  let file: string;
  const looked: string[] = [];
  if (isAbsolute(value)) {
    file = value;
  } else {
    const fromCwd = resolve(ctx.cwd, value);
    const fromConfig = resolve(dirname(ctx.mainFile), value);
    file = existsSync(fromCwd) ? fromCwd : fromConfig;
    looked.push(fromCwd);
    if (fromConfig !== fromCwd) looked.push(fromConfig);
  }
  return readPluginsFile(file, ctx, (reason) =>
    ctx.error(
      entry.file,
      entry.line,
      `${entry.key}: cannot read '${value}': ${reason}${looked.length > 1 ? ` (looked for ${looked.join(' and ')})` : ''}`,
    ),
  );
}
