/**
 * The `file` output (Fluent Bit's out_file): appends each chunk to a file
 * named by `file` (default: the chunk's tag) in the directory `path`
 * (default: the current directory).
 *
 * Formats: `out_file` (Fluent Bit's default: `tag: [seconds.nanoseconds, {record}]`),
 * `plain` (the record as JSON), `json_lines` (with the date key, like stdout)
 * and `msgpack` (the chunk's bytes). Each flush is one asynchronous append;
 * flushes are serialised so two chunks never interleave in a file.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OutputChunk, OutputContext, OutputPlugin, OutputPluginFactory } from '../engine/plugin-api.js';
import type { DecodedEvent } from '../events/decoder.js';
import type { FlushResult } from '../proxy/output.js';
import { eventToJson, recordToJson } from './json-format.js';
import { JSON_DATE_KEYS, readJsonDateOptions, type JsonDateOptions } from './json-date.js';
import { PropertyReader } from './property-reader.js';

export const FILE_FORMATS = ['out_file', 'plain', 'json_lines', 'msgpack'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** Errors worth retrying: the same append may well work later. Anything else is final. */
const TRANSIENT_ERRORS = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR', 'EBUSY', 'ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EIO']);

interface FileSettings {
  directory: string | undefined;
  fileName: string | undefined;
  createDirectory: boolean;
  format: FileFormat;
  dateOptions: JsonDateOptions;
}

class FileOutput implements OutputPlugin {
  readonly name = 'file';
  readonly description = 'Appends events to a file';
  private settings?: FileSettings;
  /** The previous flush's append: the next one starts after it. */
  private lastAppend: Promise<unknown> = Promise.resolve();

  init(ctx: OutputContext): void {
    const properties = new PropertyReader(ctx);
    this.settings = {
      directory: properties.raw('path'),
      fileName: properties.raw('file'),
      createDirectory: properties.boolean('mkdir', false),
      format: properties.choice('format', FILE_FORMATS, 'out_file'),
      dateOptions: readJsonDateOptions(properties),
    };
  }

  flush(chunk: OutputChunk, ctx: OutputContext): Promise<FlushResult> {
    const settings = this.settings ?? defaultSettings();
    const target = join(settings.directory ?? '', settings.fileName ?? chunk.tag);
    const content = render(chunk, settings);
    const result = this.lastAppend.then(() => appendTo(target, content, settings.createDirectory, ctx));
    this.lastAppend = result;
    return result;
  }
}

function defaultSettings(): FileSettings {
  return { directory: undefined, fileName: undefined, createDirectory: false, format: 'out_file', dateOptions: { dateKey: 'date', dateFormat: 'double' } };
}

function render(chunk: OutputChunk, settings: FileSettings): string | Uint8Array {
  if (settings.format === 'msgpack') return chunk.chunk.data;
  const line = lineWriter(settings, chunk.tag);
  return chunk.events().map(line).join('');
}

function lineWriter(settings: FileSettings, tag: string): (event: DecodedEvent) => string {
  switch (settings.format) {
    case 'plain':
      return (event) => `${recordToJson(event.record)}\n`;
    case 'json_lines':
      return (event) => `${eventToJson(event, settings.dateOptions)}\n`;
    default:
      return (event) => {
        const nanoseconds = String(event.time.nanoseconds).padStart(9, '0');
        return `${tag}: [${event.time.seconds}.${nanoseconds}, ${recordToJson(event.record)}]\n`;
      };
  }
}

async function appendTo(target: string, content: string | Uint8Array, createDirectory: boolean, ctx: OutputContext): Promise<FlushResult> {
  if (content.length === 0) return 'ok';
  try {
    await appendCreatingDirectory(target, content, createDirectory);
    return 'ok';
  } catch (error) {
    return failure(error as NodeJS.ErrnoException, target, createDirectory, ctx);
  }
}

async function appendCreatingDirectory(target: string, content: string | Uint8Array, createDirectory: boolean): Promise<void> {
  try {
    await appendFile(target, content);
  } catch (error) {
    // Like Fluent Bit, create the directory only when the open found it missing.
    if (!createDirectory || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(target), { recursive: true });
    await appendFile(target, content);
  }
}

function failure(error: NodeJS.ErrnoException, target: string, createDirectory: boolean, ctx: OutputContext): FlushResult {
  if (error.code === 'ENOENT' && !createDirectory) {
    ctx.logger.error({ err: error, path: target }, `cannot write ${target}: the directory ${dirname(target)} does not exist (set mkdir on to create it)`);
    return 'error';
  }
  const result = flushResultOfFsError(error.code);
  ctx.logger.error({ err: error, path: target }, `cannot write ${target}: ${error.message}${result === 'retry' ? '; will retry' : ''}`);
  return result;
}

/** 'retry' for errors a later attempt may not meet (a full disk, too many open files), else 'error'. */
export function flushResultOfFsError(code: string | undefined): FlushResult {
  return code !== undefined && TRANSIENT_ERRORS.has(code) ? 'retry' : 'error';
}

export const fileOutputFactory: OutputPluginFactory = {
  kind: 'output',
  keys: ['path', 'file', 'format', 'mkdir', ...JSON_DATE_KEYS],
  name: 'file',
  description: 'Appends events to a file (out_file, plain, json_lines or msgpack format)',
  create: () => new FileOutput(),
};
