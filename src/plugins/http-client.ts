/**
 * `flbhost plugins --url`: the same operations (manager.ts), asked of a
 * running flbhost's API. An install uploads the file (streamed from disk as
 * application/octet-stream), so the server may be on another host.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { PluginEntry } from './catalog.js';
import type { DeleteAnswer, InstallAnswer, InstallOptions, PluginList, PluginManager } from './manager.js';
import { nameFromSourceFile } from './naming.js';

/** The server answered with an error: its status and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

const PLUGINS = '/api/v1/plugins';

export class RemotePluginManager implements PluginManager {
  private readonly base: URL;

  constructor(
    url: string,
    private readonly token?: string,
  ) {
    this.base = new URL(url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`--url must be http:// or https://; got '${url}'`);
  }

  list(): Promise<PluginList> {
    return this.call('GET', PLUGINS) as Promise<PluginList>;
  }

  describe(name: string): Promise<PluginEntry> {
    return this.call('GET', `${PLUGINS}/${encodeURIComponent(name)}`) as Promise<PluginEntry>;
  }

  async install(path: string, options: InstallOptions = {}): Promise<InstallAnswer> {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${path}: not a regular file`);
    // The name (and a version) from the file's name, as a local install takes them.
    const derived = nameFromSourceFile(basename(path));
    const query = new URLSearchParams({ name: options.name ?? derived.name });
    const version = options.version ?? derived.version;
    if (version !== undefined) query.set('version', version);
    return this.call('POST', `${PLUGINS}?${query}`, { stream: createReadStream(path), size: info.size }) as Promise<InstallAnswer>;
  }

  remove(name: string): Promise<DeleteAnswer> {
    return this.call('DELETE', `${PLUGINS}/${encodeURIComponent(name)}`) as Promise<DeleteAnswer>;
  }

  private call(method: string, path: string, upload?: { stream: Readable; size: number }): Promise<unknown> {
    const url = new URL(path, this.base);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (upload) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = upload.size;
    }
    return new Promise((resolve, reject) => {
      let answered = false;
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers }, (response: IncomingMessage) => {
        answered = true;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (part: string) => (text += part));
        let ended = false;
        response.on('error', reject);
        response.on('close', () => {
          if (!ended) reject(new Error(`${method} ${url.origin}${url.pathname}: the connection closed before the whole answer came`));
        });
        response.on('end', () => {
          ended = true;
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            return reject(new ApiError(response.statusCode ?? 0, `${method} ${url.pathname}: ${response.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`, text));
          }
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body);
          const message = (body as { error?: string }).error ?? `status ${status}`;
          reject(new ApiError(status, `${status}: ${message}`, body));
        });
      });
      // A server that refuses an upload early (401, 413) answers, then closes while it is still being sent.
      request.on('error', (error) => {
        if (!answered) reject(new Error(`${method} ${url.origin}${url.pathname}: ${error.message}`));
      });
      if (upload) {
        upload.stream.on('error', (error) => request.destroy(error));
        upload.stream.pipe(request);
      } else {
        request.end();
      }
    });
  }
}
