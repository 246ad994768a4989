/**
 * The plugins flbhost provides itself, written in TypeScript against the
 * engine's plugin interface (src/engine/plugin-api.ts).
 */
import type { PluginFactory } from '../engine/plugin-api.js';
import { cpuInputFactory } from './cpu-input.js';
import { dummyInputFactory } from './dummy-input.js';
import { fileOutputFactory } from './file-output.js';
import { nullOutputFactory } from './null-output.js';
import { stdinInputFactory } from './stdin-input.js';
import { stdoutOutputFactory } from './stdout-output.js';

/** The built-ins a pipeline knows by name: dummy, stdin, cpu, stdout, null, file. */
export function builtinPlugins(): PluginFactory[] {
  return [dummyInputFactory, cpuInputFactory, stdinInputFactory, stdoutOutputFactory, nullOutputFactory, fileOutputFactory];
}

export { dummyInputFactory } from './dummy-input.js';
export { cpuInputFactory, cpuRecord, parseProcStat } from './cpu-input.js';
export { stdinInput, stdinInputFactory, StdinInput, STDIN_FORMATS, type StdinFormat, type StdinInputOptions } from './stdin-input.js';
export { stdoutOutput, stdoutOutputFactory, STDOUT_FORMATS, type StdoutFormat, type StdoutOutputOptions } from './stdout-output.js';
export { nullOutputFactory } from './null-output.js';
export { fileOutputFactory, FILE_FORMATS, type FileFormat } from './file-output.js';
export {
  callbackOutput,
  type CallbackOutputOptions,
  type CallbackResult,
  type EventsCallback,
  type RawChunkCallback,
} from './callback-output.js';
export { DATE_FORMATS, type DateFormat, type JsonDateOptions } from './json-date.js';
export { eventToJson, valueToJson } from './json-format.js';
