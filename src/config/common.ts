/**
 * What the two config formats share: reading files with readable errors,
 * naming files in messages, `${VAR}` expansion, `@INCLUDE` / `includes:`
 * bookkeeping (globs, cycles), and the format-neutral parse result that
 * assemble.ts turns into a PipelineConfig.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError, messageOf } from '../errors.js';
import type { VariableLookup } from '../plan/expand.js';

/** One `Key Value` line (classic) or `key: value` pair (YAML), value not yet expanded. */
export interface RawEntry {
  key: string;
  value: string;
  file: string;
  line: number;
}

/** An [INPUT] / [OUTPUT] / [CUSTOM] section, or an entry of `pipeline.inputs` etc. */
export interface RawSection {
  kind: 'input' | 'output' | 'custom';
  /** How messages name it: "[INPUT]", "pipeline.inputs[2]". */
  label: string;
  file: string;
  line: number;
  entries: RawEntry[];
}

/** A .so path given in the config itself (YAML `plugins:`), relative to `file`'s directory. */
export interface RawPlugin {
  /** How messages name where it came from: "Path", "plugins". */
  key: string;
  path: string;
  file: string;
  line: number;
}

/** What a parser leaves behind, across the main file and everything it includes. */
export interface RawConfig {
  service: RawEntry[];
  sections: RawSection[];
  plugins: RawPlugin[];
  /** @SET (classic) or `env:` (YAML) variables; they win over the environment. */
  variables: Map<string, string>;
}

export function emptyRawConfig(): RawConfig {
  return { service: [], sections: [], plugins: [], variables: new Map() };
}

/** State shared by the parsers during one load. */
export class LoadContext {
  readonly files: string[] = [];
  readonly warnings: string[] = [];
  readonly raw = emptyRawConfig();
  /** Files being read, outermost first (for cycle messages). */
  private readonly stack: Array<{ file: string; real: string }> = [];
  /** Every file read so far (real path) and where it was first included from. */
  private readonly seen = new Map<string, string>();

  constructor(
    readonly cwd: string,
    readonly env: VariableLookup,
    /** Absolute path of the main config file. */
    readonly mainFile: string,
  ) {}

  /** How messages name a file: relative to the working directory when inside it, else absolute. */
  display(file: string): string {
    return displayPath(file, this.cwd);
  }

  at(file: string, line: number): string {
    return `${this.display(file)}:${line}`;
  }

  error(file: string, line: number, message: string): ConfigError {
    return new ConfigError(`${this.at(file, line)}: ${message}`);
  }

  warn(file: string, line: number, message: string): void {
    this.warnings.push(`${this.at(file, line)}: ${message}`);
  }

  /**
   * Reads a config file as part of this load, refusing include cycles and
   * files read twice (Fluent Bit reads each file once and fails otherwise).
   * `from` is where it is included (absent for the main file).
   */
  enter(file: string, text: () => string, from?: { file: string; line: number; what: string; target: string }): string {
    const real = safeRealpath(file);
    const cycleStart = this.stack.findIndex((frame) => frame.real === real);
    if (cycleStart >= 0 && from) {
      const chain = [...this.stack.slice(cycleStart).map((frame) => this.display(frame.file)), this.display(file)];
      throw this.error(from.file, from.line, `${from.what} '${from.target}' makes an include cycle: ${chain.join(' → ')}`);
    }
    const first = this.seen.get(real);
    if (first !== undefined && from) {
      throw this.error(from.file, from.line, `${from.what} '${from.target}': ${this.display(file)} is already included (${first}); Fluent Bit reads a file only once`);
    }
    const content = text();
    this.seen.set(real, from ? `at ${this.at(from.file, from.line)}` : 'as the main config file');
    this.files.push(file);
    this.stack.push({ file, real });
    return content;
  }

  /** Notes a file read outside the include graph (a plugins file). */
  record(file: string): void {
    if (!this.files.includes(file)) this.files.push(file);
  }

  leave(): void {
    this.stack.pop();
  }
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return rel;
  return file;
}

/** "no such file", "permission denied", ... for a failed read. */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return messageOf(error);
  }
}

// --- includes -------------------------------------------------------------------

/** Matches one path component against a glob of `*` and `?` (a leading dot must be matched literally). */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export type IncludeResolution =
  | { kind: 'files'; files: string[] }
  | { kind: 'error'; message: string };

/**
 * The files an include names: a path (absolute, or relative to `baseDirs`,
 * tried in order) or a pattern with `*` / `?` in its file name, matched in
 * sorted order. Hidden files match only when the pattern starts with a dot.
 */
export function resolveInclude(target: string, baseDirs: string[], what: string): IncludeResolution {
  const candidates = isAbsolute(target) ? [target] : [...new Set(baseDirs.map((dir) => resolve(dir, target)))];
  if (!target.includes('*')) {
    const found = candidates.find((candidate) => existsSync(candidate));
    return { kind: 'files', files: [found ?? candidates[0]!] };
  }
  const dirPart = dirname(target);
  if (/[*?]/.test(dirPart)) {
    return { kind: 'error', message: `${what} '${target}': wildcards are supported in the file name only, not in directories` };
  }
  const regexp = globToRegExp(basename(target));
  const hiddenOk = basename(target).startsWith('.');
  for (const candidate of candidates) {
    const dir = dirname(candidate);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const files = names
      .filter((name) => regexp.test(name) && (hiddenOk || !name.startsWith('.')))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((name) => join(dir, name))
      .filter((file) => {
        try {
          return statSync(file).isFile();
        } catch {
          return false;
        }
      });
    if (files.length > 0) return { kind: 'files', files };
  }
  const looked = candidates.map((candidate) => dirname(candidate) + sep).join(', ');
  return { kind: 'error', message: `${what} '${target}' matches no file (looked in ${looked})` };
}

/**
 * A .so path from a plugins file or YAML `plugins:`: relative paths are
 * taken against the declaring file's directory; when nothing is there but
 * the path exists relative to the working directory (where Fluent Bit's
 * dlopen() looks), that one is used.
 */
export function resolvePluginPath(path: string, declaringFile: string, cwd: string): { path: string; exists: boolean } {
  if (isAbsolute(path)) return { path, exists: existsSync(path) };
  const beside = resolve(dirname(declaringFile), path);
  if (existsSync(beside)) return { path: beside, exists: true };
  const fromCwd = resolve(cwd, path);
  if (existsSync(fromCwd)) return { path: fromCwd, exists: true };
  return { path: beside, exists: false };
}
