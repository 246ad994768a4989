/**
 * Fluent Bit's classic config format (`fluent-bit.conf`):
 *
 *   @SET    env=prod
 *   @INCLUDE inputs/*.conf
 *   [SERVICE]
 *       Flush        1
 *       Plugins_File plugins.conf
 *   [OUTPUT]
 *       Name  stdout
 *       Match *
 *
 * A section header starts a line; its `Key Value` lines are indented under
 * it (any amount; Fluent Bit itself insists on a consistent amount). The
 * key is the first word and the value is the rest of the line, trimmed and
 * otherwise untouched: quotes and backslashes reach the plugin as written,
 * as under Fluent Bit. `#` starts a comment line; there are no comments at
 * the end of a line. `${VAR}` is expanded later (assemble.ts), once every
 * `@SET` of every included file is known, as Fluent Bit does.
 */
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { LoadContext, resolveInclude, type RawSection } from './common.js';
import { readConfigFile } from './read-config-file.js';

export type ClassicItem =
  | { kind: 'section'; name: string; line: number }
  | { kind: 'entry'; key: string; value: string; line: number }
  | { kind: 'command'; command: string; argument: string; line: number };

/**
 * Splits a classic file into section headers, `Key Value` entries and
 * `@COMMAND argument` lines, with line numbers. Syntax errors name the file
 * and line.
 */
export function lexClassic(text: string, file: string, ctx: LoadContext): ClassicItem[] {
  const items: ClassicItem[] = [];
  let inSection = false;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indented = /^\s/.test(raw);

    if (trimmed.startsWith('@')) {
      const match = /^@(\S*)(?:\s+(.*))?$/.exec(trimmed)!;
      items.push({ kind: 'command', command: match[1]!, argument: (match[2] ?? '').trim(), line });
      continue;
    }

    if (trimmed.startsWith('[')) {
      if (indented) {
        throw ctx.error(file, line, `'${trimmed}': groups inside a section are not supported by flbhost (section headers start at the beginning of a line)`);
      }
      const end = trimmed.indexOf(']');
      if (end < 0) throw ctx.error(file, line, `'${trimmed}' is not a section header: the closing ']' is missing`);
      const name = trimmed.slice(1, end).trim();
      if (name === '') throw ctx.error(file, line, `'${trimmed}': the section has no name`);
      // Fluent Bit ignores whatever follows the ']'.
      items.push({ kind: 'section', name, line });
      inSection = true;
      continue;
    }

    if (!indented) {
      throw ctx.error(
        file,
        line,
        inSection
          ? `'${trimmed}' is not indented: keys must be indented under their [SECTION] header`
          : `'${trimmed}' is outside any section: keys must be indented under a [SECTION] header`,
      );
    }
    if (!inSection) throw ctx.error(file, line, `'${trimmed}' is outside any section: keys must be indented under a [SECTION] header`);

    const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(trimmed)!;
    const key = match[1]!;
    const value = (match[2] ?? '').trim();
    if (value === '') throw ctx.error(file, line, `${key}: the key has no value`);
    items.push({ kind: 'entry', key, value, line });
  }
  return items;
}

type SectionKind = 'service' | 'input' | 'output' | 'custom';

function sectionKind(name: string, file: string, line: number, ctx: LoadContext): SectionKind {
  const upper = name.toUpperCase();
  switch (upper) {
    case 'SERVICE':
      return 'service';
    case 'INPUT':
    case 'INPUTS':
      return 'input';
    case 'OUTPUT':
    case 'OUTPUTS':
      return 'output';
    case 'CUSTOM':
    case 'CUSTOMS':
      return 'custom';
    case 'FILTER':
    case 'FILTERS':
      throw ctx.error(file, line, `[${name}] sections are not supported by flbhost (it runs inputs and outputs; filters are not implemented)`);
    case 'PARSER':
    case 'MULTILINE_PARSER':
      throw ctx.error(file, line, `[${name}] sections are not supported by flbhost (parsers are not implemented; Fluent Bit itself only accepts them in a Parsers_File)`);
    case 'STREAM_TASK':
      throw ctx.error(file, line, `[${name}] sections are not supported by flbhost (stream processing is not implemented)`);
    case 'PLUGINS':
      throw ctx.error(file, line, `[${name}] sections are only valid in a plugins file: move it to its own file and name that file with [SERVICE] Plugins_File`);
    default:
      throw ctx.error(file, line, `unknown section [${name}]: flbhost reads [SERVICE], [INPUT], [OUTPUT] and [CUSTOM]`);
  }
}

/**
 * Parses one classic file into `ctx.raw`, following its @INCLUDEs where
 * they appear. `readError` builds the error for a file that cannot be read.
 */
export function parseClassicFile(
  file: string,
  ctx: LoadContext,
  readError: (reason: string) => ConfigError,
  from?: { file: string; line: number; target: string },
): void {
  const text = ctx.enter(file, () => readConfigFile(file, readError), from && { ...from, what: '@INCLUDE' });
  try {
    // Sections are per file: keys after an @INCLUDE still belong to this file's current section.
    let current: RawSection | 'service' | undefined;
    for (const item of lexClassic(text, file, ctx)) {
      if (item.kind === 'command') {
        runCommand(item, file, ctx);
      } else if (item.kind === 'section') {
        const kind = sectionKind(item.name, file, item.line, ctx);
        if (kind === 'service') {
          current = 'service';
        } else {
          current = { kind, label: `[${item.name}]`, file, line: item.line, entries: [] };
          ctx.raw.sections.push(current);
        }
      } else {
        const entry = { key: item.key, value: item.value, file, line: item.line };
        if (current === 'service') ctx.raw.service.push(entry);
        else current!.entries.push(entry);
      }
    }
  } finally {
    ctx.leave();
  }
}

function runCommand(item: Extract<ClassicItem, { kind: 'command' }>, file: string, ctx: LoadContext): void {
  const command = item.command.toUpperCase();
  if (command === 'INCLUDE') {
    const target = item.argument;
    if (target === '') throw ctx.error(file, item.line, `@INCLUDE needs a file name`);
    // Relative to the including file; then, as Fluent Bit resolves them, to the main file's directory.
    const found = resolveInclude(target, [dirname(file), dirname(ctx.mainFile)], '@INCLUDE');
    if (found.kind === 'error') throw ctx.error(file, item.line, found.message);
    for (const included of found.files) {
      parseClassicFile(
        included,
        ctx,
        (reason) => ctx.error(file, item.line, `@INCLUDE cannot read '${target}': ${reason}`),
        { file, line: item.line, target },
      );
    }
    return;
  }
  if (command === 'SET') {
    const separator = item.argument.indexOf('=');
    const name = separator > 0 ? item.argument.slice(0, separator).trim() : '';
    if (name === '') throw ctx.error(file, item.line, `@SET expects KEY=VALUE; got '${item.argument}'`);
    ctx.raw.variables.set(name, item.argument.slice(separator + 1).trim());
    return;
  }
  ctx.warn(file, item.line, `@${item.command} is not a Fluent Bit command (@INCLUDE, @SET); ignored`);
}
