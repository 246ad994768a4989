/**
 * `flbhost inspect`: what a plugin .so is, without running an instance.
 * Loading it does run its Register (and, for Go, its runtime start-up).
 */
import { loadPlugin, PROXY_SYMBOLS, type LoadOptions } from './library.js';
import type { GoBuildInfo } from './go-buildinfo.js';
import type { HostLogger } from '../logging.js';

export interface InspectReport {
  path: string;
  realPath: string;
  name: string;
  type: string;
  description: string;
  flags: number;
  eventType: number;
  /** Proxy symbols the .so exports, in the host's lookup order. */
  exports: string[];
  /** Notes on how flbhost will drive it (event format, call order). */
  notes: string[];
  framework?: 'calyptia' | 'fluent-bit-go';
  go: GoBuildInfo | null;
}

/**
 * `options.backend`: what loads it. The default loads it into this process
 * (after a probe); the plugin management API passes the isolation backend,
 * so that listing a directory of plugins probes each in a child and loads
 * none of them into the server.
 */
export async function inspectPlugin(path: string, logger?: HostLogger, options: Pick<LoadOptions, 'backend'> = {}): Promise<InspectReport> {
  const lib = await loadPlugin(path, { logger, backend: options.backend });
  const exports = PROXY_SYMBOLS.filter((symbol) => lib.exports.includes(symbol));
  const notes: string[] = [];
  if (lib.kind === 'output') {
    notes.push(
      exports.includes('FLBPluginFlushCtx')
        ? 'multi-instance: flushes go through FLBPluginFlushCtx with each instance’s context'
        : 'flushes go through FLBPluginFlush (no per-instance context)',
    );
  }
  if (!exports.includes('FLBPluginUnregister')) notes.push('exports no FLBPluginUnregister');
  if (lib.framework === 'calyptia') {
    notes.push('calyptia/plugin: one instance per process (its state is global)');
    if (lib.kind === 'output') notes.push('calyptia/plugin output: receives v1 events [EventTime, record] (it rejects v2)');
    notes.push(
      lib.exports.includes('cmt_create')
        ? 'metrics: its own cmt_create makes each instance’s metrics context'
        : 'metrics: exports no cmt_create (a calyptia plugin cannot start without one)',
    );
  }
  return {
    path,
    realPath: lib.realPath,
    name: lib.name,
    type: lib.kind,
    description: lib.description,
    flags: lib.flags,
    eventType: lib.eventType,
    exports,
    notes,
    framework: lib.framework,
    go: lib.go,
  };
}

/** The human-readable form printed by `flbhost inspect`. */
export function formatInspectReport(report: InspectReport): string {
  const lines = [
    `path:        ${report.realPath}`,
    `name:        ${report.name}`,
    `type:        ${report.type}`,
    `description: ${report.description}`,
  ];
  if (report.type === 'output') lines.push(`event type:  ${report.eventType === 0 ? 'logs (0)' : report.eventType}`);
  lines.push('exports:', ...report.exports.map((symbol) => `  ${symbol}`));
  if (report.go) {
    lines.push(`go:          ${report.go.goVersion ?? 'older than go1.18 (build info not parsed)'}`);
    if (report.go.main) lines.push(`module:      ${report.go.main.path} ${report.go.main.version}`);
    for (const dep of report.go.deps) {
      const replaced = dep.replace ? ` => ${dep.replace.path} ${dep.replace.version}` : '';
      lines.push(`  dep ${dep.path} ${dep.version}${replaced}`);
    }
  } else {
    lines.push('go:          not a Go binary');
  }
  if (report.notes.length > 0) lines.push('notes:', ...report.notes.map((note) => `  ${note}`));
  return lines.join('\n');
}
