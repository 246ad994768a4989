/**
 * The pipeline behind the transport, started in its worker thread: either
 * one .so output fed by a lib input made for the transport, or a config
 * file's pipeline fed through one of its lib inputs.
 *
 * Everything runs in the worker (dlopen of an in-process plugin included:
 * the addon supports any number of JS environments, a Go runtime is loaded
 * once per process and shared; docs/architecture.md, Environments and
 * worker_threads). Every log line goes to the transport's own logger.
 */
import { ConfigError } from '../errors.js';
import { loadConfigFileSync } from '../config/index.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { loadPlugin } from '../proxy/library.js';
import type { LibInput } from '../builtin/lib-input.js';
import type { HostLogger } from '../logging.js';
import type { PipelineConfig } from '../plan/config.js';
import { DEFAULT_TRANSPORT_GRACE, DEFAULT_TRANSPORT_TAG, MAX_TRANSPORT_GRACE, type ConfigTarget, type PluginTarget, type TransportTarget } from './options.js';

/** The transport's lib input in the plugin form (its Alias). */
export const TRANSPORT_INPUT = 'pino';

export interface TransportPipeline {
  pipeline: Pipeline;
  /** The lib input the transport pushes records into. */
  input: LibInput;
  inputName: string;
  /** The tag to push with; undefined: the lib input's own Tag. */
  tag: string | undefined;
  /** The Grace stop() is given (seconds, at most MAX_TRANSPORT_GRACE). */
  grace: number;
}

/** Builds, checks and starts the pipeline; on any failure nothing is left running. */
export async function startTransportPipeline(target: TransportTarget, logger: HostLogger): Promise<TransportPipeline> {
  const { config, pick } = target.kind === 'plugin' ? await pluginPipeline(target, logger) : configPipeline(target, logger);
  const pipeline = new Pipeline(config);
  try {
    const { plan } = await pipeline.validate();
    const inputName = pick(plan.inputs.filter((spec) => spec.plugin.toLowerCase() === 'lib').map((spec) => spec.name));
    const grace = graceOf(target, pipeline.settings.grace, logger);
    if (pipeline.settings.http.server) logger.warn('HTTP_Server is on in the config file: the pino transport does not serve the HTTP endpoints');
    await pipeline.start();
    return { pipeline, input: pipeline.input(inputName), inputName, tag: target.kind === 'config' ? target.tag : undefined, grace };
  } catch (error) {
    await pipeline.stop({ grace: 0 }).catch(() => undefined);
    throw error;
  }
}

function graceOf(target: TransportTarget, configured: number, logger: HostLogger): number {
  if (target.grace !== undefined) return target.grace;
  if (target.kind === 'plugin') return DEFAULT_TRANSPORT_GRACE;
  if (configured >= 0 && configured <= MAX_TRANSPORT_GRACE) return configured;
  logger.warn(`${target.config}: Grace ${configured} s is capped at ${MAX_TRANSPORT_GRACE} s under pino: at exit thread-stream waits about 10 s for the transport to close`);
  return MAX_TRANSPORT_GRACE;
}

type Built = { config: PipelineConfig; pick: (libInputs: string[]) => string };

async function pluginPipeline(target: PluginTarget, logger: HostLogger): Promise<Built> {
  // The registered name is what the output is configured by; a probe in a
  // child process reads it without loading the plugin here (the pipeline's
  // own probe of the same file is then answered from the probe cache).
  const probed = await loadPlugin(target.plugin, { logger, isolation: 'process' });
  if (probed.kind !== 'output') {
    throw new ConfigError(`flbhost/pino: options.plugin ${target.plugin} registers ${probed.kind} plugin '${probed.name}'; the transport needs an output plugin`);
  }
  const config: PipelineConfig = {
    logger,
    service: { grace: target.grace ?? DEFAULT_TRANSPORT_GRACE, ...(target.flush !== undefined && { flush: target.flush }) },
    plugins: [target.plugin],
    inputs: [{ name: 'lib', alias: TRANSPORT_INPUT, tag: target.tag ?? DEFAULT_TRANSPORT_TAG, memBufLimit: target.memBufLimit, source: 'flbhost/pino' }],
    outputs: [
      {
        name: probed.name,
        match: '*',
        source: 'flbhost/pino options',
        properties: target.properties,
        isolation: target.isolation,
        ...(target.workers !== undefined && { workers: target.workers }),
        ...(target.retryLimit !== undefined && { retryLimit: target.retryLimit }),
        ...(target.flushTimeout !== undefined && { flushTimeout: target.flushTimeout }),
        ...(target.pluginLogLevel !== undefined && { logLevel: target.pluginLogLevel }),
      },
    ],
  };
  return { config, pick: () => TRANSPORT_INPUT };
}

function configPipeline(target: ConfigTarget, logger: HostLogger): Built {
  const loaded = loadConfigFileSync(target.config);
  for (const warning of loaded.warnings) logger.warn(warning);
  const service = { ...loaded.config.service, ...(target.flush !== undefined && { flush: target.flush }) };
  const pick = (libInputs: string[]): string => {
    if (libInputs.length === 0) {
      throw new ConfigError(`flbhost/pino: ${target.config} has no lib input for the transport to feed; add one ([INPUT] Name lib, or inputs: - name: lib)`);
    }
    if (target.input === undefined) return libInputs[0]!;
    if (libInputs.includes(target.input)) return target.input;
    throw new ConfigError(`flbhost/pino: options.input '${target.input}' is not a lib input of ${target.config}; its lib inputs: ${libInputs.join(', ')}`);
  };
  return { config: { ...loaded.config, service, logger }, pick };
}
