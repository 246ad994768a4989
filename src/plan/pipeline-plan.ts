/**
 * The plan: a whole PipelineConfig (from files, flags or the library) →
 * resolved instances, exactly once. Pure: it loads nothing, starts nothing
 * and logs nothing, so `validate()` / `--dry-run` and `start()` run the same
 * step and cannot disagree.
 */
import { ConfigError } from '../errors.js';
import type { PipelineConfig } from './config.js';
import { planCustom, planInput, planOutput, PlanContext, type PlannedPlugin } from './instances.js';
import type { PluginKind } from './properties.js';
import { planService } from './service.js';
import type { PipelinePlan } from './specs.js';

/** Every plugin a plan can refer to, by kind and lower-case name. */
export type PluginCatalog = Record<PluginKind, ReadonlyMap<string, PlannedPlugin>>;

function find(catalog: PluginCatalog, kind: PluginKind, name: string, source: string): PlannedPlugin {
  const plugin = catalog[kind].get(name.toLowerCase());
  if (plugin) return plugin;
  const known = [...catalog[kind].values()].map((p) => p.name).sort();
  throw new ConfigError(`${source}: unknown ${kind} plugin '${name}'; known ${kind}s: ${known.length > 0 ? known.join(', ') : 'none'}`);
}

export function planPipeline(config: PipelineConfig, catalog: PluginCatalog): PipelinePlan {
  const service = planService(config.service);
  const ctx = new PlanContext({ numberInstances: true, storagePath: service.storage.path });
  // Customs, outputs, inputs: the order instances are created in.
  const customs = (config.customs ?? []).map((custom, i) => {
    const source = custom.source ?? `customs[${i}]`;
    return planCustom(custom, find(catalog, 'custom', custom.name, source), source, ctx);
  });
  const outputs = (config.outputs ?? []).map((output, i) => {
    const source = output.source ?? `outputs[${i}]`;
    return planOutput(output, find(catalog, 'output', output.name, source), source, ctx);
  });
  const inputs = (config.inputs ?? []).map((input, i) => {
    const source = input.source ?? `inputs[${i}]`;
    return planInput(input, find(catalog, 'input', input.name, source), source, ctx);
  });
  for (const output of outputs) {
    if (output.match === undefined && output.matchRegex === undefined) {
      ctx.warnings.push(`${output.source}: ${output.name}: no Match or Match_Regex: this output receives nothing`);
    }
  }
  return { service, customs, outputs, inputs, warnings: ctx.warnings };
}
