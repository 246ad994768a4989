/** PluginProperties over [key, value] pairs: what an engine plugin reads its configuration through. */
import type { PluginProperties } from './plugin-api.js';

export function propertiesOf(pairs: Array<[string, string]>): PluginProperties {
  return {
    get(key) {
      const wanted = key.toLowerCase();
      return pairs.find(([k]) => k.toLowerCase() === wanted)?.[1];
    },
    entries: () => pairs.map(([k, v]) => [k, v] as [string, string]),
  };
}
