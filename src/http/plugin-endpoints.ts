/**
 * The plugin management endpoints (docs/http.md has the shapes):
 *
 *   GET    /api/v1/plugins         every plugin installed or loaded
 *   POST   /api/v1/plugins         install: {"path": ...} as JSON, or the
 *                                  bytes as application/octet-stream with
 *                                  ?name=&version=
 *   GET    /api/v1/plugins/:name  one, by id or registered name
 *   DELETE /api/v1/plugins/:name  delete an installed plugin, by id
 *
 * POST and DELETE pass the token guard first (server.ts). The directory
 * logic is src/plugins'; this file only turns requests into its calls and
 * its errors into answers. Installing does not load anything into the
 * running pipeline: a configuration names the installed path, and a reload
 * picks it up.
 */
import type { IncomingMessage } from 'node:http';
import { isAbsolute } from 'node:path';
import type { HostLogger } from '../logging.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { InstallRequest } from '../plugins/install.js';
import { LocalPluginManager } from '../plugins/manager.js';
import { PluginStoreError } from '../plugins/store-error.js';
import { json, jsonError, type Reply } from './endpoints.js';

/** A JSON install request ({"path", "name", "version"}) is small; larger is refused. */
const MAX_JSON_BYTES = 64 * 1024;

export const PLUGINS_PATH = '/api/v1/plugins';

export interface PluginEndpointOptions {
  /** The plugin directory; undefined: plugins are listed, not installed or deleted. */
  dir?: string;
  /** The largest plugin accepted (default MAX_PLUGIN_BYTES). */
  maxBytes?: number;
}

export class PluginEndpoints {
  private readonly manager: LocalPluginManager;

  constructor(
    pipeline: Pipeline,
    private readonly logger: HostLogger,
    options: PluginEndpointOptions = {},
  ) {
    this.manager = new LocalPluginManager({ dir: options.dir, logger, loaded: () => pipeline.loadedPlugins(), maxBytes: options.maxBytes });
  }

  get maxBytes(): number {
    return this.manager.maxBytes;
  }

  /** GET /api/v1/plugins */
  async list(): Promise<Reply> {
    return json(200, await this.manager.list());
  }

  /** GET /api/v1/plugins/:name (`rawName` as it is in the path, percent-encoded) */
  describe(rawName: string): Promise<Reply> {
    return this.answer(async () => json(200, await this.manager.describe(decodeName(rawName))));
  }

  /** DELETE /api/v1/plugins/:name */
  remove(rawName: string): Promise<Reply> {
    return this.answer(async () => json(200, await this.manager.remove(decodeName(rawName))));
  }

  /** POST /api/v1/plugins: the body is read here (streamed for uploads), not by the server. */
  install(request: IncomingMessage, from: string): Promise<Reply> {
    return this.answer(async () => {
      const answer = await this.manager.installFrom(await this.installRequest(request, from));
      return {
        ...json(answer.unchanged ? 200 : 201, answer),
        headers: { 'content-type': 'application/json', location: `${PLUGINS_PATH}/${encodeURIComponent(answer.installed.id)}` },
      };
    });
  }

  private async installRequest(request: IncomingMessage, from: string): Promise<InstallRequest> {
    // Without a directory nothing is read: the answer says how to configure one.
    this.manager.requireStore();
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const query = new URL(request.url ?? '/', 'http://flbhost').searchParams;
    if (type === 'application/octet-stream') {
      const name = query.get('name') ?? undefined;
      if (name === undefined) throw new PluginStoreError(400, 'an upload needs ?name= (e.g. ?name=out_loki&version=v2.9.1)');
      return { source: { stream: request, from }, name, version: query.get('version') ?? undefined };
    }
    if (type !== 'application/json' && type !== '') {
      throw new UnsupportedType(`Content-Type ${type} is not taken here: send application/json {"path": "/abs/plugin.so"} or the plugin's bytes as application/octet-stream`);
    }
    const body = await readJson(request);
    const path = body.path;
    if (typeof path !== 'string' || path === '') throw new PluginStoreError(400, 'the JSON body needs "path": the absolute path of the .so on the host flbhost runs on');
    if (!isAbsolute(path)) throw new PluginStoreError(400, `"path" must be absolute; got '${path}'`);
    for (const key of ['name', 'version'] as const) {
      if (body[key] !== undefined && typeof body[key] !== 'string') throw new PluginStoreError(400, `"${key}" must be a string`);
    }
    return { source: { path }, name: body.name as string | undefined, version: body.version as string | undefined };
  }

  /** Store refusals become their status; anything else is the server's 500. */
  private async answer(work: () => Promise<Reply>): Promise<Reply> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PluginStoreError) {
        if (error.status !== 404) this.logger.warn(`plugins: refused (${error.status}): ${error.message}`);
        return jsonError(error.status, error.message, error.details);
      }
      if (error instanceof UnsupportedType) return jsonError(415, error.message);
      throw error;
    }
  }
}

class UnsupportedType extends Error {}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new PluginStoreError(400, `'${raw}' is not a valid percent-encoded name`);
  }
}

/** Reads a small JSON object; past MAX_JSON_BYTES it stops reading (the server then closes the connection). */
function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (error: Error): void => {
      done = true;
      request.pause();
      reject(error);
    };
    request.on('data', (part: Buffer) => {
      if (done) return;
      size += part.length;
      if (size > MAX_JSON_BYTES) return fail(new PluginStoreError(413, `a JSON install request is at most ${MAX_JSON_BYTES} bytes (upload a plugin as application/octet-stream)`));
      parts.push(part);
    });
    request.on('error', (error) => {
      if (!done) fail(new PluginStoreError(400, `the request failed: ${error.message}`));
    });
    request.on('end', () => {
      if (done) return;
      done = true;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch (error) {
        return reject(new PluginStoreError(400, `the body is not JSON: ${(error as Error).message}`));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return reject(new PluginStoreError(400, 'the body must be a JSON object such as {"path": "/abs/out_loki.so", "version": "v2.9.1"}'));
      }
      resolve(value as Record<string, unknown>);
    });
  });
}
