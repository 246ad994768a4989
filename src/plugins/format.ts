/**
 * The human-readable output of `flbhost plugins` (--json prints the API's
 * JSON instead). One function per answer; the same text in both modes.
 */
import { formatInspectReport } from '../proxy/inspect.js';
import type { PluginEntry } from './catalog.js';
import type { DeleteAnswer, InstallAnswer, PluginList } from './manager.js';

export function formatList(list: PluginList): string {
  const lines = [`plugins directory: ${list.plugins_dir ?? 'none (Plugins_Dir is not set)'}`];
  if (list.plugins.length === 0) return [...lines, 'no plugins installed or loaded'].join('\n');
  const rows = [
    ['ID', 'NAME', 'KIND', 'VERSION', 'INSTANCES', 'WHERE'],
    ...list.plugins.map((entry) => [
      entry.id,
      entry.name ?? '?',
      entry.kind ?? '?',
      entry.version ?? '-',
      entry.instances.length > 0 ? entry.instances.join(',') : '-',
      where(entry),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  lines.push(...rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')));
  for (const entry of list.plugins) if (entry.error) lines.push(`${entry.id}: ${entry.error}`);
  return lines.join('\n');
}

function where(entry: PluginEntry): string {
  const places = [entry.installed ? 'installed' : entry.path];
  if (entry.loaded) places.push('loaded');
  return places.join(', ');
}

export function formatEntry(entry: PluginEntry): string {
  const lines = [
    `id:          ${entry.id}`,
    `version:     ${entry.version ?? '-'}`,
    `installed:   ${entry.installed ? 'yes' : 'no (loaded from outside the plugin directory)'}`,
    `loaded:      ${entry.loaded ? 'yes' : 'no'}`,
    `instances:   ${entry.instances.length > 0 ? entry.instances.join(', ') : 'none'}`,
  ];
  if (entry.size !== null) lines.push(`size:        ${entry.size} bytes`, `modified:    ${entry.modified}`);
  if (entry.sha256) lines.push(`sha256:      ${entry.sha256}`);
  if (entry.inspect) lines.push(formatInspectReport(entry.inspect));
  else lines.push(`path:        ${entry.path}`, `error:       ${entry.error ?? 'not inspected'}`);
  return lines.join('\n');
}

export function formatInstall(answer: InstallAnswer): string {
  const { installed } = answer;
  if (answer.unchanged) return answer.message;
  return [
    `installed ${installed.id} (${installed.kind} '${installed.name}', ${installed.size} bytes, sha256 ${installed.sha256})`,
    `path: ${answer.path}`,
    'It is not loaded into a running pipeline: name that path in a plugins file, -e or plugins:, then reload.',
  ].join('\n');
}

export function formatDelete(answer: DeleteAnswer): string {
  return `deleted ${answer.deleted} (${answer.path})`;
}
