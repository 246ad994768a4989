/**
 * Running a pipeline from the command line: a config file and/or flags,
 * then until a stop signal (SIGTERM, SIGINT, SIGQUIT: signals.ts) or until
 * every input has finished (e.g. stdin at EOF), then a graceful stop.
 *
 * Hot reload (Hot_Reload On): SIGHUP or POST/PUT /api/v2/reload read the
 * config file and the flags again and switch to them (Pipeline.reload); an
 * invalid configuration is reported and the running one goes on. The HTTP
 * server restarts when the reload changed its settings.
 */
import { pino } from 'pino';
import { loadConfigFile } from '../config/index.js';
import type { InputConfig, OutputConfig, PipelineConfig } from '../plan/config.js';
import { Pipeline, type ReloadReport } from '../pipeline/pipeline.js';
import { FlbhostError, ReloadError, messageOf } from '../errors.js';
import { parseLogLevel, type LogLevelName } from '../logging.js';
import type { CliArgs } from './args.js';
import { installSignalPolicy, type StopSignal } from './signals.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import { isClosedReader } from '../builtin/stdout-output.js';

export const EXIT_OK = 0;
/** Also: a stop signal came before the pipeline started, or a second one came while it stopped (exited at once). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Stopped, but some records could not be delivered within the Grace period. */
export const EXIT_UNDELIVERED = 3;

const PINO_LEVEL: Record<LogLevelName, string> = { off: 'silent', error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'trace' };

function logLevelOf(args: CliArgs, configured?: LogLevelName): LogLevelName {
  if (args.quiet) return 'error';
  if (args.verbosity >= 2) return 'trace';
  if (args.verbosity === 1) return 'debug';
  return configured ?? 'info';
}

/** No inputs and no outputs: nothing to run (at start), nothing to reload to. */
function isEmpty(config: PipelineConfig): boolean {
  return (config.inputs ?? []).length === 0 && (config.outputs ?? []).length === 0;
}

/** The config file's pipeline, with the command line's -e/-i/-o/-f added. */
async function buildConfig(args: CliArgs): Promise<{ config: PipelineConfig; warnings: string[] }> {
  const loaded = args.config ? await loadConfigFile(args.config) : undefined;
  const config: PipelineConfig = loaded?.config ?? {};
  const inputs: InputConfig[] = [...(config.inputs ?? [])];
  const outputs: OutputConfig[] = [...(config.outputs ?? [])];
  args.inputs.forEach((input, i) => inputs.push({ name: input.name, tag: input.tag, properties: input.properties, source: `-i ${input.name} (#${i + 1})` }));
  // Fluent Bit's -o takes everything unless -m says otherwise.
  args.outputs.forEach((output, i) => outputs.push({ name: output.name, match: output.match ?? '*', properties: output.properties, source: `-o ${output.name} (#${i + 1})` }));
  const service = { ...config.service };
  if (args.flush !== undefined) service.flush = args.flush;
  return {
    config: { ...config, service, inputs, outputs, plugins: [...(config.plugins ?? []), ...args.plugins] },
    // The loader's warnings name each ignored [SERVICE] key once already.
    warnings: loaded?.warnings ?? [],
  };
}

export async function runCommand(args: CliArgs): Promise<number> {
  // Signal handlers go in before any plugin is loaded (signals.ts says why).
  // What their actions act on, as the run gets that far:
  const run: { stop?: (signal: StopSignal) => void; reload?: () => void; logger?: pino.Logger; pipeline?: Pipeline } = {};
  installSignalPolicy({
    stop: (signal) => {
      if (run.stop) run.stop(signal);
      else process.exit(EXIT_FAILURE); // the pipeline has not started yet (or is starting): exit at once
    },
    exitNow: (signal) => exitAtOnce(signal, run.pipeline, run.logger),
    reload: () => {
      if (run.reload) run.reload();
      else run.logger?.warn('received SIGHUP before the pipeline started: ignored');
    },
    log: (level, message) => {
      if (run.logger) run.logger[level](message);
      else if (level !== 'debug') process.stderr.write(`flbhost: ${message}\n`);
    },
  });

  let built: { config: PipelineConfig; warnings: string[] };
  let level: LogLevelName;
  try {
    built = await buildConfig(args);
    level = logLevelOf(args, built.config.service?.logLevel ? parseLogLevel(built.config.service.logLevel) : undefined);
  } catch (error) {
    return reportFailure(error);
  }
  const logger = pino({ name: 'flbhost', level: PINO_LEVEL[level] }, pino.destination(2));
  run.logger = logger;
  for (const warning of built.warnings) logger.warn(warning);
  if (isEmpty(built.config)) {
    process.stderr.write('flbhost: nothing to run: give a config file (-c) or inputs and outputs (-i, -o)\n');
    return EXIT_USAGE;
  }
  let pipeline: Pipeline;
  try {
    pipeline = new Pipeline({ ...built.config, logger });
  } catch (error) {
    return reportFailure(error);
  }
  run.pipeline = pipeline;

  if (args.dryRun) {
    try {
      const report = await pipeline.validate();
      process.stdout.write(
        `configuration test is successful: ${report.plugins.length} plugin(s) loaded, ` +
          `${report.inputs.length} input(s), ${report.outputs.length} output(s)\n`,
      );
      return EXIT_OK;
    } catch (error) {
      return reportFailure(error);
    }
  }

  try {
    await pipeline.start();
  } catch (error) {
    return reportFailure(error);
  }
  logger.info({ inputs: Object.keys(pipeline.metrics().inputs), outputs: Object.keys(pipeline.metrics().outputs) }, 'pipeline started');

  /** The config file and flags read again, then Pipeline.reload(); a configuration that cannot be read is refused the same way an invalid one is. */
  const reloadFromConfig = async (): Promise<ReloadReport> => {
    let next: { config: PipelineConfig; warnings: string[] };
    try {
      next = await buildConfig(args);
      if (isEmpty(next.config)) throw new FlbhostError('ERR_CONFIG', 'the configuration has no inputs and no outputs');
    } catch (error) {
      throw new ReloadError('refused', `reload refused: ${messageOf(error)}; still running the previous configuration`, { cause: error });
    }
    for (const warning of next.warnings) logger.warn(warning);
    const report = await pipeline.reload({ ...next.config, logger }).catch((error: unknown) => {
      if (error instanceof ReloadError && error.failure === 'halted') halt(error.message);
      throw error;
    });
    logger.level = PINO_LEVEL[logLevelOf(args, pipeline.settings.logLevel)];
    return report;
  };

  let http: RunningHttpServer | undefined;
  let httpSettings = '';
  /** Starts, restarts or stops the HTTP server to match the running settings. */
  const syncHttpServer = async (): Promise<void> => {
    const wanted = pipeline.settings.http.server ? JSON.stringify(pipeline.settings.http) : '';
    if (wanted === httpSettings) return;
    await http?.close();
    http = undefined;
    httpSettings = wanted;
    if (wanted) http = await startHttpServer(pipeline, { reload: reloadFromConfig });
  };
  try {
    await syncHttpServer();
  } catch (error) {
    // As Fluent Bit does when its HTTP server cannot start: stop.
    logger.error(messageOf(error));
    await pipeline.stop();
    return EXIT_FAILURE;
  }

  let halted = false;
  let halt: (why: string) => void = () => undefined;
  const reason = await new Promise<string>((resolve) => {
    run.stop = resolve;
    halt = (why) => {
      halted = true;
      resolve(`nothing runs: ${why}`);
    };
    pipeline.once('inputsEnded', () => resolve('every input has finished'));
    // `flbhost … -o stdout | head`: the reader went away. A Unix tool ends
    // there; the stdout output discards from now on, and the rest of the
    // pipeline gets its graceful stop. (Never removed: without a listener, a
    // later EPIPE would be an unhandled 'error' event.)
    process.stdout.on('error', (error) => {
      if (isClosedReader(error)) resolve('standard output was closed');
    });
    pipeline.on('reloaded', () => {
      syncHttpServer().catch((error: unknown) => {
        // The pipeline runs; only its HTTP server could not follow the new settings.
        httpSettings = '';
        logger.error(`reload: ${messageOf(error)}; the HTTP server is off until the next reload`);
      });
    });
    run.reload = () => {
      if (!pipeline.settings.hotReload) {
        logger.warn('received SIGHUP: hot reloading is not enabled (set Hot_Reload On in [SERVICE]); still running');
        return;
      }
      if (pipeline.isReloading) {
        logger.warn('received SIGHUP: a reload is already in progress');
        return;
      }
      logger.info('received SIGHUP: reloading the configuration');
      reloadFromConfig().catch((error: unknown) => logger.error(messageOf(error)));
    };
  });
  run.reload = () => logger.info(`SIGHUP: not reloading, stopping (${reason})`);
  run.stop = (signal) => logger.info(`${signal}: already stopping (${reason}); a second stop signal exits at once`);
  logger.info(`stopping: ${reason}`);
  // The endpoints keep answering through the grace period (metrics, health).
  const report = await pipeline.stop();
  await http?.close();
  for (const name of report.exitTimedOut) logger.error(`${name} did not exit in time`);
  if (halted) return EXIT_FAILURE;
  const kept = report.keptOnDisk;
  if (!report.complete) {
    const lost = Object.entries(report.undelivered).map(([output, left]) => `${output}: ${left.records} record(s)`);
    const onDisk = kept && kept.chunks > 0 ? `; kept under storage.path for the next start: ${kept.records} record(s) in ${kept.chunks} chunk(s)` : '';
    process.stderr.write(`flbhost: stopped with undelivered data: ${lost.join(', ')}${onDisk}\n`);
    return EXIT_UNDELIVERED;
  }
  if (kept && kept.chunks > 0) {
    // Delivered all it could; a backlog no output matches stays for a later start.
    process.stderr.write(`flbhost: kept under storage.path for a later start: ${kept.records} record(s) in ${kept.chunks} chunk(s) no output took\n`);
  }
  return EXIT_OK;
}

/**
 * A second stop request: says what each output was still owed (the graceful
 * stop's per-output report, from Pipeline.metrics(): chunks and bytes, as
 * it counts no records per output) and exits at once, EXIT_FAILURE.
 */
function exitAtOnce(signal: StopSignal, pipeline: Pipeline | undefined, logger: pino.Logger | undefined): never {
  process.stderr.write(`flbhost: second ${signal}: exiting now, without waiting for pending data\n`);
  const owed = Object.entries(pipeline?.metrics().outputs ?? {})
    .filter(([, output]) => output.queuedChunks > 0)
    .map(([output, { queuedChunks: chunks, queuedBytes: bytes, inFlight }]) => ({ output, chunks, bytes, inFlight }));
  for (const { output, chunks, bytes, inFlight } of owed) {
    logger?.warn({ output, chunks, bytes, inFlight }, `exit: ${chunks} chunk(s) (${bytes} bytes) not delivered to ${output}: exiting at once on a second signal`);
  }
  if (owed.length > 0) {
    const lost = owed.map(({ output, chunks, bytes }) => `${output}: ${chunks} chunk(s), ${bytes} byte(s)`);
    process.stderr.write(`flbhost: exited at once with undelivered data: ${lost.join(', ')}\n`);
  }
  process.exit(EXIT_FAILURE);
}

function reportFailure(error: unknown): number {
  if (error instanceof FlbhostError) {
    process.stderr.write(`flbhost: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  throw error;
}
