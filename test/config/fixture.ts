/** Config fixtures: files written into a fresh temporary directory. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { loadConfigFile, type LoadConfigOptions, type LoadedConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

/** Writes `files` (path → text, paths relative) into a new temp dir; returns the dir. */
export function fixture(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'flbhost-config-'));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/** Joins lines with "\n" and a final newline. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/**
 * Loads `file` from `dir` with an empty environment and, unless told, a
 * working directory of its own (so nothing is found there by accident).
 */
export function load(dir: string, file = 'fluent-bit.conf', options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  return loadConfigFile(join(dir, file), { env: {}, cwd: options.cwd ?? fixture(), ...options });
}

/** The ConfigError a load fails with. */
export async function loadError(dir: string, file = 'fluent-bit.conf', options: LoadConfigOptions = {}): Promise<ConfigError> {
  const error = await load(dir, file, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

/**
 * The config without each instance's per-key sources, for tests about
 * other things (the sources have a test of their own).
 */
export function withoutKeySources<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'propertySources' ? undefined : v))) as T;
}
