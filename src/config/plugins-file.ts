/**
 * Plugins files, the ones [SERVICE] Plugins_File / `service.plugins_file`
 * names. Classic:
 *
 *   [PLUGINS]
 *       Path /usr/lib/fluent-bit/out_gstdout.so
 *       Path ./in_gdummy.so
 *
 * (sections and keys case-insensitive; Path may repeat; other keys are
 * ignored with a warning). YAML (.yaml / .yml):
 *
 *   plugins:
 *     - /usr/lib/fluent-bit/out_gstdout.so
 *
 * Relative paths are taken against the plugins file's directory (see
 * resolvePluginPath for the fallback to the working directory).
 */
import { extname } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { ConfigError } from '../errors.js';
import { LoadContext, type RawPlugin } from './common.js';
import { readConfigFile } from './read-config-file.js';
import { lexClassic } from './classic.js';
import { parseYamlText, scalarText } from './yaml.js';

export function isYamlPath(file: string): boolean {
  const ext = extname(file).toLowerCase();
  return ext === '.yaml' || ext === '.yml';
}

/** Reads a plugins file (format by extension): the .so paths it lists, with where each is written. */
export function readPluginsFile(file: string, ctx: LoadContext, readError: (reason: string) => ConfigError): RawPlugin[] {
  const text = readConfigFile(file, readError);
  ctx.record(file);
  return isYamlPath(file) ? yamlPlugins(text, file, ctx) : classicPlugins(text, file, ctx);
}

function classicPlugins(text: string, file: string, ctx: LoadContext): RawPlugin[] {
  const plugins: RawPlugin[] = [];
  for (const item of lexClassic(text, file, ctx)) {
    if (item.kind === 'section') {
      if (item.name.toUpperCase() !== 'PLUGINS') {
        throw ctx.error(file, item.line, `[${item.name}] is not valid in a plugins file: it holds [PLUGINS] sections with Path keys`);
      }
    } else if (item.kind === 'entry') {
      if (item.key.toLowerCase() === 'path') plugins.push({ key: item.key, path: item.value, file, line: item.line });
      else ctx.warn(file, item.line, `[PLUGINS] ${item.key}: only Path keys are read in a plugins file; ignored`);
    } else {
      ctx.warn(file, item.line, `@${item.command} is not read in a plugins file; ignored`);
    }
  }
  return plugins;
}

function yamlPlugins(text: string, file: string, ctx: LoadContext): RawPlugin[] {
  const y = parseYamlText(text, file, ctx);
  const top = y.resolve(y.doc.contents);
  if (top === null || top === undefined || (isScalar(top) && top.value === null)) return [];
  if (!isMap(top)) throw ctx.error(file, y.lineOf(top), `a YAML plugins file holds a top-level 'plugins:' list of .so paths`);
  const plugins: RawPlugin[] = [];
  for (const pair of top.items) {
    const keyNode = y.resolve(pair.key);
    const key = scalarText(keyNode) ?? '';
    const line = y.lineOf(keyNode);
    if (key.toLowerCase() !== 'plugins') {
      throw ctx.error(file, line, `${key}: not valid in a plugins file, which holds a top-level 'plugins:' list of .so paths`);
    }
    const list = y.resolve(pair.value);
    if (list === null || list === undefined || (isScalar(list) && (list.value === null || list.value === ''))) continue;
    if (!isSeq(list)) throw ctx.error(file, y.lineOf(list, line), `${key}: expected a list of .so paths (- /path/to/plugin.so)`);
    for (const item of list.items) {
      const node = y.resolve(item);
      const itemLine = y.lineOf(node, line);
      const path = scalarText(node);
      if (path === undefined || path === '') throw ctx.error(file, itemLine, `${key}: expected a .so path`);
      plugins.push({ key, path, file, line: itemLine });
    }
  }
  return plugins;
}
