/**
 * flbhost's HTTP server: Fluent Bit's monitoring endpoints for one
 * pipeline, on Node's http module.
 *
 *   const server = await startHttpServer(pipeline, { port: 0 });
 *   console.log(server.url);           // http://127.0.0.1:41234
 *   await server.close();
 *
 * Read-only requests (GET, HEAD) are open; requests that change state
 * (POST, PUT, DELETE on a route marked mutating) pass the token guard
 * (auth.ts) first. Requests are bounded: headers
 * (16 KiB), bodies (64 KiB), time (10 s). Unknown paths answer 404, other
 * methods 405, unreadable requests 400, all with a JSON error; none of it
 * reaches the pipeline.
 */
import { messageOf } from '../errors.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { Pipeline, ReloadReport } from '../pipeline/pipeline.js';
import { resolveToken, TokenGuard } from './auth.js';
import * as endpoints from './endpoints.js';
import { jsonError, type EndpointContext, type Reply } from './endpoints.js';
import { HealthTracker } from './health.js';
import { pipelineRegistry } from './prometheus.js';
import { PLUGINS_PATH, PluginEndpoints } from './plugin-endpoints.js';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_HEADER_BYTES = 16 * 1024;
export const REQUEST_TIMEOUT_MS = 10_000;
/** How long close() lets answers being written finish before it cuts their connections. */
export const CLOSE_WAIT_MS = 1000;

export interface HttpServerOptions {
  /** Address to bind (default: the pipeline's HTTP_Listen, else 127.0.0.1). */
  listen?: string;
  /** Port (default: the pipeline's HTTP_Port, else 2020; 0: one the OS chooses). */
  port?: number;
  /** Serve /api/v1/health (default: the pipeline's Health_Check). */
  healthCheck?: boolean;
  /** Bearer token for the endpoints that change state (default: HTTP_Token, else FLBHOST_HTTP_TOKEN). */
  token?: string;
  /** Where FLBHOST_HTTP_TOKEN is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * What POST/PUT /api/v2/reload does when Hot_Reload is on: read the
   * configuration again and call pipeline.reload() with it (the flbhost
   * command reads its config file). Without it, the endpoint answers 501.
   */
  reload?: () => Promise<ReloadReport>;
  /** Where /api/v1/plugins installs plugins (default: the pipeline's Plugins_Dir; unset: it only lists). */
  pluginsDir?: string;
  /** The largest plugin /api/v1/plugins accepts (default MAX_PLUGIN_BYTES, 256 MiB). */
  maxPluginBytes?: number;
}

export interface RunningHttpServer {
  /** "http://127.0.0.1:2020" (the bound address and port). */
  url: string;
  address: string;
  port: number;
  close(): Promise<void>;
}

type Handler = (context: EndpointContext, request: IncomingMessage, body: Buffer) => Reply | Promise<Reply>;

interface Route {
  methods: string[];
  handler: Handler;
  /** Changes state (its methods other than GET and HEAD): passes the token guard, may read a body. */
  mutating?: boolean;
  /** The handler reads the body itself (an upload, streamed), up to this many bytes; the server reads none. */
  ownBody?: number;
}

const READ = ['GET', 'HEAD'];

function routesFor(healthCheck: boolean, storageMetrics: boolean, reload: HttpServerOptions['reload'], plugins: PluginEndpoints): Map<string, Route> {
  const routes = new Map<string, Route>([
    ['/', { methods: READ, handler: () => endpoints.root() }],
    ['/api/v1/uptime', { methods: READ, handler: (c) => endpoints.uptime(c) }],
    ['/api/v1/metrics', { methods: READ, handler: (c) => endpoints.metricsV1(c) }],
    ['/api/v1/metrics/prometheus', { methods: READ, handler: (c) => endpoints.prometheus(c.prometheus.v1) }],
    ['/api/v2/metrics', { methods: READ, handler: (c) => endpoints.metricsV2Text(c) }],
    ['/api/v2/metrics/prometheus', { methods: READ, handler: (c) => endpoints.prometheus(c.prometheus.v2) }],
    ['/api/v2/health', { methods: READ, handler: (c) => endpoints.healthV2(c) }],
    [
      '/api/v2/reload',
      {
        methods: [...READ, 'POST', 'PUT'],
        mutating: true,
        handler: (c, request) => (READ.includes(request.method ?? 'GET') ? endpoints.reloadCount(c) : endpoints.reload(c, reload)),
      },
    ],
    [
      PLUGINS_PATH,
      {
        methods: [...READ, 'POST'],
        mutating: true,
        ownBody: plugins.maxBytes,
        handler: (_c, request) => (request.method === 'POST' ? plugins.install(request, request.socket.remoteAddress ?? '?') : plugins.list()),
      },
    ],
    // One path segment after it: the plugin's id or registered name.
    [
      `${PLUGINS_PATH}/:name`,
      {
        methods: [...READ, 'DELETE'],
        mutating: true,
        handler: (_c, request) => {
          const name = new URL(request.url ?? '/', 'http://flbhost').pathname.slice(PLUGINS_PATH.length + 1);
          return request.method === 'DELETE' ? plugins.remove(name) : plugins.describe(name);
        },
      },
    ],
  ]);
  // As in Fluent Bit: these exist only when their feature is on.
  if (healthCheck) routes.set('/api/v1/health', { methods: READ, handler: (c) => endpoints.healthV1(c.health) });
  if (storageMetrics) routes.set('/api/v1/storage', { methods: READ, handler: (c) => endpoints.storage(c) });
  return routes;
}

/** Starts the server for a started pipeline; resolves once it listens. */
export async function startHttpServer(pipeline: Pipeline, options: HttpServerOptions = {}): Promise<RunningHttpServer> {
  const settings = pipeline.settings.http;
  const listen = options.listen ?? settings.listen;
  const port = options.port ?? settings.port;
  const healthCheck = options.healthCheck ?? settings.healthCheck;
  const guard = new TokenGuard(resolveToken(options.token ?? settings.token, options.env ?? process.env));
  const logger = pipeline.logger.child({ component: 'http' });
  const health = HealthTracker.forPipeline(pipeline, { errors: settings.hcErrorsCount, retryFailures: settings.hcRetryFailureCount, period: settings.hcPeriod });
  health.start();
  const context: EndpointContext = {
    pipeline,
    health,
    prometheus: { v1: await pipelineRegistry(pipeline, 'v1'), v2: await pipelineRegistry(pipeline, 'v2') },
  };
  const plugins = new PluginEndpoints(pipeline, logger, { dir: options.pluginsDir ?? pipeline.settings.pluginsDir, maxBytes: options.maxPluginBytes });
  const routes = routesFor(healthCheck, pipeline.settings.storage.metrics, options.reload, plugins);

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error(`http: ${request.method} ${request.url}: ${messageOf(error)}`);
      if (!response.headersSent) send(response, jsonError(500, 'internal error; see the flbhost log'));
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A request Node could not parse (bad syntax, headers too large, timed out).
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: status === 431 ? 'request headers too large' : status === 408 ? 'request timed out' : 'malformed request', status });
    logger.debug(`http: refused a request (${status}): ${error.code ?? ""} ${error.message}`);
    if (socket.writable) {
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    } else {
      socket.destroy();
    }
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    let path: string;
    try {
      path = new URL(request.url ?? '/', 'http://flbhost').pathname;
    } catch {
      return send(response, jsonError(400, 'malformed request path'));
    }
    const raw = (request.url ?? '').split('?')[0]!;
    if (/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\/i.test(raw)) return send(response, jsonError(400, 'path segments such as .. and encoded separators are refused'));
    // A path one segment below a known one may be a parameter route (`/api/v1/plugins/:name`).
    const route = routes.get(path) ?? routes.get(path.replace(/\/[^/]+$/, '/:name'));
    if (!route) return send(response, jsonError(404, 'not found', { path }));
    if (!route.methods.includes(method)) {
      return send(response, { ...jsonError(405, `${method} is not allowed here; use ${route.methods.join(' or ')}`), headers: { 'content-type': 'application/json', allow: route.methods.join(', ') } });
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    const bodyLimit = route.ownBody ?? MAX_BODY_BYTES;
    if (declared > bodyLimit) return send(response, jsonError(413, `the request body is larger than ${bodyLimit} bytes`), true);
    const mutating = route.mutating === true && !READ.includes(method);
    if (mutating) {
      const decision = guard.check(request.headers.authorization);
      const who = `${request.socket.remoteAddress ?? '?'}`;
      if (!decision.allowed) {
        logger.warn(`http: refused ${method} ${path} from ${who} (${decision.status}): ${decision.status === 403 ? 'no token configured' : 'bad or missing token'}`);
        const reply = jsonError(decision.status, decision.message);
        if (decision.status === 401) reply.headers = { ...reply.headers, 'www-authenticate': 'Bearer' };
        return send(response, reply, true);
      }
      logger.info(`http: ${method} ${path} from ${who}: token accepted`);
    }
    if (route.ownBody !== undefined) {
      // Whatever the handler left unread (a refused upload) is not worth draining: close.
      const reply = await route.handler(context, request, Buffer.alloc(0));
      return send(response, reply, !request.complete);
    }
    const body = await readBody(request, mutating ? MAX_BODY_BYTES : 0);
    if (body === 'too large') return send(response, jsonError(413, `the request body is larger than ${MAX_BODY_BYTES} bytes`), true);
    return send(response, await route.handler(context, request, body));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listen, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    health.stop();
    throw new Error(`HTTP server cannot listen on ${listen}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`);
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  logger.info({ address: bound.address, port: bound.port }, `http server listening on ${url}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    address: bound.address,
    port: bound.port,
    // Answers being written finish (a reload's answer is written just
    // before a reload that changes HTTP_* closes this server); idle
    // keep-alive connections close now, the rest after CLOSE_WAIT_MS.
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        health.stop();
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_WAIT_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}

/**
 * Reads the body up to `limit` bytes. A read-only endpoint takes none
 * (limit 0): what is sent is drained up to MAX_BODY_BYTES and ignored.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    request.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        request.pause();
        resolve('too large');
        return;
      }
      if (size <= limit) parts.push(part);
    });
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, reply: Reply, close = false): void {
  const headers: Record<string, string | number> = {
    server: 'flbhost',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...reply.headers,
    'content-length': Buffer.byteLength(reply.body),
  };
  if (close) headers.connection = 'close';
  response.writeHead(reply.status, headers);
  response.end(reply.body);
}
