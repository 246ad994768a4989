/**
 * Fluent Bit's YAML config format:
 *
 *   env:      { LEVEL: info }             # variables for ${LEVEL}
 *   includes: [ outputs.yaml ]            # relative to this file
 *   service:  { flush: 1, log_level: ${LEVEL}, plugins_file: plugins.yaml }
 *   plugins:  [ ./out_gstdout.so ]        # relative to this file
 *   customs:  [ { name: calyptia, ... } ]
 *   pipeline:
 *     inputs:  [ { name: dummy, tag: app } ]
 *     outputs: [ { name: gstdout, match: '*' } ]
 *
 * Scalars become strings as Fluent Bit (libyaml) sees them: a plain scalar
 * as written (`1.50`, `True`, `on`), a quoted or block scalar decoded. A
 * sequence under an instance key repeats the property, as under Fluent Bit.
 * Keys go through Fluent Bit's YAML key rule: a key that starts lowercase
 * and has no underscore is camelCase, turned into snake_case (`memBufLimit`
 * → `mem_buf_limit`); every other key keeps its spelling.
 */
import { dirname } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { ConfigError } from '../errors.js';
import { LoadContext, resolveInclude, type RawEntry, type RawSection } from './common.js';
import { readConfigFile } from './read-config-file.js';

/** A parsed YAML file: its top-level node, and a way to turn nodes into line numbers. */
export interface YamlFile {
  file: string;
  doc: Document;
  lineOf(node: unknown, fallback?: number): number;
  /** `node` with aliases followed. */
  resolve(node: unknown): unknown;
}

/** Parses YAML text; syntax errors become ConfigErrors naming the file and line. */
export function parseYamlText(text: string, file: string, ctx: LoadContext): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const first = doc.errors[0];
  if (first) {
    // An error at the end of the file (an unclosed quote or bracket) is shown on the last line with text.
    const lastLine = text.trimEnd().split(/\r?\n/).length;
    const message =
      first.code === 'MULTIPLE_DOCS'
        ? `a config file holds one YAML document; found another '---'`
        : first.message.split('\n')[0];
    throw ctx.error(file, Math.min(lineAt(first.pos[0]), lastLine), `YAML syntax error: ${message}`);
  }
  for (const warning of doc.warnings) ctx.warn(file, lineAt(warning.pos[0]), `YAML: ${warning.message.split('\n')[0]}`);
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  return {
    file,
    doc,
    resolve,
    lineOf(node, fallback = 1) {
      const range = (node as Node | null | undefined)?.range;
      return range ? lineAt(range[0]) : fallback;
    },
  };
}

/** The text Fluent Bit would see for a scalar (plain: as written; quoted or block: decoded). */
export function scalarText(node: unknown): string | undefined {
  if (node === null || node === undefined) return '';
  if (!isScalar(node)) return undefined;
  if ((node.type === 'PLAIN' || node.type === undefined) && typeof node.source === 'string') return node.source;
  if (node.value === null || node.value === undefined) return '';
  return typeof node.value === 'string' ? node.value : String(node.value);
}

/** Fluent Bit's YAML key rule (flb_cf_key_translate): camelCase → snake_case. */
export function translateYamlKey(key: string): string {
  if (!/^[a-z]/.test(key) || key.includes('_') || !/[A-Z]/.test(key)) return key;
  return key.replace(/[A-Z]/g, (upper) => `_${upper.toLowerCase()}`);
}

function pairsOf(y: YamlFile, node: unknown, what: string, line: number, ctx: LoadContext): Array<Pair<unknown, unknown>> {
  const resolved = y.resolve(node);
  if (resolved === null || resolved === undefined || (isScalar(resolved) && (resolved.value === null || resolved.value === ''))) return [];
  if (!isMap(resolved)) throw ctx.error(y.file, y.lineOf(resolved, line), `${what}: expected a map of keys and values`);
  return resolved.items;
}

function itemsOf(y: YamlFile, node: unknown, what: string, line: number, ctx: LoadContext): unknown[] {
  const resolved = y.resolve(node);
  if (resolved === null || resolved === undefined || (isScalar(resolved) && (resolved.value === null || resolved.value === ''))) return [];
  if (!isSeq(resolved)) throw ctx.error(y.file, y.lineOf(resolved, line), `${what}: expected a list (- item)`);
  return resolved.items;
}

function keyOf(y: YamlFile, pair: Pair<unknown, unknown>, what: string, line: number, ctx: LoadContext): { key: string; line: number } {
  const keyNode = y.resolve(pair.key);
  const keyLine = y.lineOf(keyNode, line);
  const key = scalarText(keyNode);
  if (key === undefined || key === '') throw ctx.error(y.file, keyLine, `${what}: keys must be plain words`);
  return { key, line: keyLine };
}

function scalarOf(y: YamlFile, node: unknown, what: string, line: number, ctx: LoadContext): string {
  const text = scalarText(y.resolve(node));
  if (text === undefined) throw ctx.error(y.file, y.lineOf(y.resolve(node), line), `${what}: expected a single value, not a list or map`);
  return text;
}

const TOP_LEVEL_UNSUPPORTED: Record<string, string> = {
  parsers: 'parsers are not implemented',
  multiline_parsers: 'parsers are not implemented',
  upstream_servers: 'upstream servers are not implemented',
  stream_processor: 'stream processing is not implemented',
  extensions: 'extensions are not implemented',
};

/**
 * Parses one YAML config file into `ctx.raw`, following its `includes:`
 * where they appear.
 */
export function parseYamlFile(
  file: string,
  ctx: LoadContext,
  readError: (reason: string) => ConfigError,
  from?: { file: string; line: number; target: string },
): void {
  const text = ctx.enter(file, () => readConfigFile(file, readError), from && { ...from, what: 'includes:' });
  try {
    const y = parseYamlText(text, file, ctx);
    const top = y.resolve(y.doc.contents);
    if (top === null || top === undefined || (isScalar(top) && top.value === null)) return; // an empty file
    if (!isMap(top)) {
      throw ctx.error(file, y.lineOf(top), `a Fluent Bit YAML config is a map of sections (env, includes, service, pipeline, plugins, customs)`);
    }
    for (const pair of top.items) {
      const { key, line } = keyOf(y, pair, 'top level', 1, ctx);
      const section = key.toLowerCase();
      switch (section) {
        case 'env':
          for (const variable of pairsOf(y, pair.value, key, line, ctx)) {
            const name = keyOf(y, variable, key, line, ctx);
            ctx.raw.variables.set(name.key, scalarOf(y, variable.value, `${key}.${name.key}`, name.line, ctx));
          }
          break;
        case 'includes':
          for (const item of itemsOf(y, pair.value, key, line, ctx)) {
            const itemLine = y.lineOf(y.resolve(item), line);
            const target = scalarOf(y, item, key, itemLine, ctx);
            const found = resolveInclude(target, [dirname(file)], 'includes:');
            if (found.kind === 'error') throw ctx.error(file, itemLine, found.message);
            for (const included of found.files) {
              parseYamlFile(
                included,
                ctx,
                (reason) => ctx.error(file, itemLine, `includes: cannot read '${target}': ${reason}`),
                { file, line: itemLine, target },
              );
            }
          }
          break;
        case 'service':
          for (const entry of pairsOf(y, pair.value, key, line, ctx)) {
            const name = keyOf(y, entry, key, line, ctx);
            ctx.raw.service.push({
              key: translateYamlKey(name.key),
              value: scalarOf(y, entry.value, `${key}.${name.key}`, name.line, ctx),
              file,
              line: name.line,
            });
          }
          break;
        case 'plugins':
          for (const item of itemsOf(y, pair.value, key, line, ctx)) {
            const itemLine = y.lineOf(y.resolve(item), line);
            ctx.raw.plugins.push({ key, path: scalarOf(y, item, key, itemLine, ctx), file, line: itemLine });
          }
          break;
        case 'customs':
          readInstances(y, pair.value, 'custom', key, line, ctx);
          break;
        case 'pipeline':
          for (const part of pairsOf(y, pair.value, key, line, ctx)) {
            const name = keyOf(y, part, key, line, ctx);
            const kind = name.key.toLowerCase();
            if (kind === 'inputs') readInstances(y, part.value, 'input', `${key}.${name.key}`, name.line, ctx);
            else if (kind === 'outputs') readInstances(y, part.value, 'output', `${key}.${name.key}`, name.line, ctx);
            else if (kind === 'filters') {
              throw ctx.error(file, name.line, `${key}.${name.key}: filters are not supported by flbhost (it runs inputs and outputs; filters are not implemented)`);
            } else {
              throw ctx.error(file, name.line, `${key}.${name.key}: unknown key in pipeline (expected inputs or outputs)`);
            }
          }
          break;
        default: {
          const why = TOP_LEVEL_UNSUPPORTED[section];
          if (why) throw ctx.error(file, line, `${key}: not supported by flbhost (${why})`);
          throw ctx.error(file, line, `${key}: unknown top-level key (flbhost reads env, includes, service, pipeline, plugins and customs)`);
        }
      }
    }
  } finally {
    ctx.leave();
  }
}

function readInstances(y: YamlFile, node: unknown, kind: RawSection['kind'], what: string, line: number, ctx: LoadContext): void {
  for (const [index, item] of itemsOf(y, node, what, line, ctx).entries()) {
    const resolved = y.resolve(item);
    const itemLine = y.lineOf(resolved, line);
    const label = `${what}[${index}]`;
    const section: RawSection = { kind, label, file: y.file, line: itemLine, entries: [] };
    for (const pair of pairsOf(y, resolved, label, itemLine, ctx)) {
      const name = keyOf(y, pair, label, itemLine, ctx);
      const lower = name.key.toLowerCase();
      if (lower === 'processors') {
        throw ctx.error(y.file, name.line, `${name.key}: processors are not supported by flbhost`);
      }
      if (lower === 'routes') {
        throw ctx.error(y.file, name.line, `${name.key}: conditional routing is not supported by flbhost (route with tag and match)`);
      }
      const key = translateYamlKey(name.key);
      const value = y.resolve(pair.value);
      const entries: RawEntry[] = [];
      if (isSeq(value)) {
        for (const element of value.items) {
          const elementLine = y.lineOf(y.resolve(element), name.line);
          entries.push({ key, value: scalarOf(y, element, name.key, elementLine, ctx), file: y.file, line: elementLine });
        }
      } else if (isMap(value)) {
        throw ctx.error(y.file, name.line, `${name.key}: nested maps are not supported by flbhost (give a single value or a list)`);
      } else {
        entries.push({ key, value: scalarOf(y, value, name.key, name.line, ctx), file: y.file, line: name.line });
      }
      section.entries.push(...entries);
    }
    ctx.raw.sections.push(section);
  }
}
