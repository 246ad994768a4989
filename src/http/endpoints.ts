/**
 * What each endpoint answers, in the shapes Fluent Bit's HTTP server uses
 * (docs/http.md has them side by side). Each handler returns a Reply; the
 * server (server.ts) routes, bounds and writes it.
 */
import type { Registry } from 'prom-client';
import { ReloadError } from '../errors.js';
import type { Pipeline, ReloadReport } from '../pipeline/pipeline.js';
import type { HealthTracker } from './health.js';
import { FLBHOST_VERSION } from './version.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface EndpointContext {
  pipeline: Pipeline;
  /** Runs whether or not Health_Check is on: /api/v2/health always answers (as Fluent Bit's does). */
  health: HealthTracker;
  prometheus: { v1: Registry; v2: Registry };
}

const JSON_TYPE = 'application/json';

export function json(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(value) };
}

export function jsonError(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return json(status, { error: message, status, ...extra });
}

export function root(): Reply {
  return json(200, { 'fluent-bit': { version: FLBHOST_VERSION, edition: 'flbhost', flags: [] }, flbhost: { version: FLBHOST_VERSION } });
}

function uptimeSeconds(pipeline: Pipeline): number {
  const started = pipeline.startedAt;
  return started ? Math.floor((Date.now() - started.getTime()) / 1000) : 0;
}

export function uptime({ pipeline }: EndpointContext): Reply {
  const seconds = uptimeSeconds(pipeline);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return json(200, {
    uptime_sec: seconds,
    uptime_hr: `flbhost has been running: ${days} day, ${hours} hour, ${minutes} minute and ${seconds % 60} seconds`,
  });
}

export function metricsV1({ pipeline }: EndpointContext): Reply {
  const { inputs, outputs } = pipeline.metrics();
  return json(200, {
    input: Object.fromEntries(Object.entries(inputs).map(([name, m]) => [name, { records: m.records, bytes: m.bytes }])),
    filter: {},
    output: Object.fromEntries(
      Object.entries(outputs).map(([name, m]) => [
        name,
        {
          proc_records: m.records,
          proc_bytes: m.bytes,
          errors: m.errors,
          retries: m.retries,
          retries_failed: m.retriesFailed,
          dropped_records: m.droppedRecords,
          retried_records: m.retriedRecords,
        },
      ]),
    ),
  });
}

export async function prometheus(registry: Registry): Promise<Reply> {
  return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
}

/** Fluent Bit's /api/v2/metrics text: "<time> name{labels} = value", one sample a line. */
export async function metricsV2Text({ prometheus: { v2 } }: EndpointContext): Promise<Reply> {
  const now = new Date().toISOString();
  const lines: string[] = [];
  for (const metric of await v2.getMetricsAsJSON()) {
    for (const { labels, value } of metric.values) {
      const pairs = Object.entries(labels).map(([key, v]) => `${key}=${JSON.stringify(String(v))}`);
      lines.push(`${now} ${metric.name}${pairs.length ? `{${pairs.join(',')}}` : ''} = ${value}`);
    }
  }
  return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${lines.join('\n')}\n` };
}

/** Fluent Bit's size text: "140b", "1.5K", "2.0M". */
export function humanSize(bytes: number): string {
  const units = ['b', 'K', 'M', 'G', 'T', 'P'];
  let i = 0;
  let unit = 1;
  while (i < units.length - 1 && bytes >= unit * 1024) {
    unit *= 1024;
    i++;
  }
  return i === 0 ? `${bytes}b` : `${(bytes / unit).toFixed(1)}${units[i]}`;
}

export function storage({ pipeline }: EndpointContext): Reply {
  const metrics = pipeline.metrics();
  const fs = metrics.storage;
  const held = pipeline.heldChunks();
  const fsChunks = fs?.chunks ?? { total: 0, up: 0, down: 0 };
  const limits = new Map((pipeline.plan?.inputs ?? []).map((spec) => [spec.name, spec.memBufLimit]));
  const names = new Set([...Object.keys(metrics.inputs), ...Object.keys(fs?.inputs ?? {})]);
  const inputChunks: Record<string, unknown> = {};
  for (const name of names) {
    const input = metrics.inputs[name];
    const durable = fs?.inputs[name];
    inputChunks[name] = {
      status: {
        overlimit: input?.paused ?? false,
        mem_size: humanSize(input?.bufferedBytes ?? 0),
        mem_limit: humanSize(limits.get(name) ?? 0),
      },
      // Memory chunks are not counted per input; durable ones are.
      chunks: { total: durable?.chunks ?? 0, up: durable?.up ?? 0, down: durable?.down ?? 0, busy: 0, busy_size: '0b' },
    };
  }
  return json(200, {
    storage_layer: {
      chunks: { total_chunks: held, mem_chunks: held - fsChunks.total, fs_chunks: fsChunks.total, fs_chunks_up: fsChunks.up, fs_chunks_down: fsChunks.down },
    },
    input_chunks: inputChunks,
  });
}

/** /api/v1/health: 200 "ok\n" or 500 "error\n", as plain text. */
export function healthV1(health: HealthTracker): Reply {
  const { healthy } = health.state();
  return { status: healthy ? 200 : 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: healthy ? 'ok\n' : 'error\n' };
}

/** /api/v2/health: the same decision with its numbers. */
export function healthV2({ health }: EndpointContext): Reply {
  const state = health.state();
  return json(state.healthy ? 200 : 500, {
    status: state.healthy ? 'ok' : 'error',
    errors: state.errors,
    retries_failed: state.retriesFailed,
    error_limit: state.limits.errors,
    retry_failure_limit: state.limits.retryFailures,
    period_limit: state.limits.period,
  });
}

/** GET /api/v2/reload: Fluent Bit's `{"hot_reload_count":N}`. */
export function reloadCount({ pipeline }: EndpointContext): Reply {
  return json(200, { hot_reload_count: pipeline.reloadCount });
}

/**
 * POST/PUT /api/v2/reload. Fluent Bit answers `{"reload":…,"status":N}`
 * (status 0 done, -1 not enabled, -2 in progress) as soon as it has
 * signalled itself; flbhost answers when the reload has finished, in the
 * same shape, with `error` saying why when it did not switch:
 *   200 done · 400 Hot_Reload is off · 409 in progress · 422 the new
 *   configuration is invalid (nothing changed) · 500 it failed to start
 *   (`running` says whether the previous configuration runs again) ·
 *   501 this server has no way to read a new configuration · 503 the
 *   pipeline is stopping.
 */
export async function reload({ pipeline }: EndpointContext, reloadFn: (() => Promise<ReloadReport>) | undefined): Promise<Reply> {
  if (!pipeline.settings.hotReload) {
    return json(400, { reload: 'not enabled', status: -1, error: 'hot reload is off: set Hot_Reload On in [SERVICE] (hot_reload: on in YAML)' });
  }
  if (!reloadFn) {
    return json(501, { reload: 'not available', status: -1, error: 'this server was started without a way to read a new configuration (HttpServerOptions.reload)' });
  }
  if (pipeline.isReloading) return json(409, { reload: 'in progress', status: -2, error: 'a reload is already in progress' });
  try {
    const report = await reloadFn();
    return json(200, { reload: 'done', status: 0, hot_reload_count: report.reloads });
  } catch (error) {
    if (!(error instanceof ReloadError)) throw error;
    if (error.failure === 'in progress') return json(409, { reload: 'in progress', status: -2, error: error.message });
    const status = error.failure === 'refused' ? 422 : error.failure === 'not running' ? 503 : 500;
    return json(status, { reload: 'failed', status: -3, error: error.message, running: error.running, hot_reload_count: pipeline.reloadCount });
  }
}
