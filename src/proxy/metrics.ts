/**
 * Plugin metrics: what a plugin recorded in its cmetrics context (calyptia
 * plugins' fbit.Metrics counters and gauges), read back through the
 * plugin's own Prometheus text encoder and parsed here.
 */

export interface PluginMetric {
  /** Full metric name, e.g. fluentbit_plugin_collected_records_total. */
  name: string;
  type: string;
  help: string;
  /** The metric's own labels, plus `plugin` and `instance`. */
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses Prometheus text exposition (as cmetrics writes it). */
export function parsePrometheusText(text: string, extraLabels: Record<string, string>): PluginMetric[] {
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const metrics: PluginMetric[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('# TYPE ')) {
      const [, , name, type] = trimmed.split(/\s+/);
      if (name && type) types.set(name, type);
      continue;
    }
    if (trimmed.startsWith('# HELP ')) {
      const rest = trimmed.slice(7);
      const space = rest.indexOf(' ');
      if (space > 0) helps.set(rest.slice(0, space), rest.slice(space + 1));
      continue;
    }
    if (trimmed.startsWith('#')) continue;
    const match = SAMPLE.exec(trimmed);
    if (!match) continue;
    const [, name, labelText, valueText] = match;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (labelText ?? '').matchAll(LABEL)) labels[key!] = unescapeLabel(value!);
    metrics.push({
      name: name!,
      type: types.get(name!) ?? 'untyped',
      help: helps.get(name!) ?? '',
      labels: { ...labels, ...extraLabels },
      value: Number(valueText),
    });
  }
  return metrics;
}
