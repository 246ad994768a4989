/**
 * flbhost/pino: a pino transport that delivers log lines through Fluent Bit
 * proxy plugins.
 *
 *   const transport = pino.transport({ target: 'flbhost/pino',
 *     options: { plugin: './out_loki.so', properties: { url: 'http://loki:3100' } } });
 *   const logger = pino(transport);
 *
 * pino runs this module in a worker thread (thread-stream). Boot: the
 * options are checked, the pipeline is built and started (a .so output is
 * loaded and initialised here, in the worker); any failure rejects, which
 * ends the worker and reaches the application as the transport's 'error'
 * event. Then pino's text goes to the native JSON parser in the pieces
 * thread-stream writes, and its chunks of events into a lib input with its
 * backpressure (feed.ts). Close (transport.end(), or
 * pino's exit handling): the pipeline stops gracefully within Grace, and
 * a closing report is logged, naming what could not be delivered.
 *
 * Nothing in here throws into the application once the transport runs: a
 * failing plugin is logged (by the engine, once per failure) and counted;
 * a plugin that crashes the process can only be contained with
 * `isolation: 'process'`.
 */
import build from 'pino-abstract-transport';
import type { Transform } from 'node:stream';
import { messageOf } from '../errors.js';
import type { HostLogger } from '../logging.js';
import type { ShutdownReport } from '../pipeline/pipeline.js';
import { feedFromStream, PinoFeed, type FeedCounts } from './feed.js';
import { InvalidLines } from './invalid-lines.js';
import { parseTransportOptions, type PinoTransportOptions } from './options.js';
import { transportLogger } from './own-logger.js';
import { startTransportPipeline, type TransportPipeline } from './transport-pipeline.js';

/**
 * The transport's entry point (the module's default export, which
 * thread-stream calls with the options). Resolves to the stream pino's
 * lines are written to.
 */
export async function flbhostTransport(options: PinoTransportOptions): Promise<Transform> {
  const target = parseTransportOptions(options);
  const logger = transportLogger(target.logLevel);
  let running: TransportPipeline;
  try {
    running = await startTransportPipeline(target, logger);
  } catch (error) {
    // Said here as well as through pino's 'error' event: an application
    // that does not listen for it would otherwise never learn why.
    logger.error({ err: error }, `the transport did not start: ${messageOf(error)}`);
    throw error;
  }
  logger.debug({ input: running.inputName, grace: running.grace }, 'transport started');

  const counts: FeedCounts = { taken: 0, refused: 0 };
  const invalid = new InvalidLines(logger);
  const pinoFeed = new PinoFeed(running.input, running.tag, logger, counts, invalid);
  return build(
    // pino-abstract-transport for the lifecycle (the close hook below, run
    // from the stream's destroy); the stream's split2 line splitting is
    // replaced by the batch feed (feed.ts).
    (source) => feedFromStream(source, pinoFeed, running.input, logger),
    {
      // Must resolve with nothing and never reject: pino-abstract-transport
      // hands whatever it settles with to the stream's destroy callback as
      // an error, which would reach the application as an 'error' event.
      close: async (error: Error | null) => {
        if (error) logger.error({ err: error }, `the transport's stream failed: ${error.message}; stopping the pipeline`);
        try {
          const report = await running.pipeline.stop({ grace: running.grace });
          logClosingReport(logger, running, report, counts, invalid.count);
        } catch (stopError) {
          logger.error({ err: stopError }, `the pipeline did not stop cleanly: ${messageOf(stopError)}`);
        }
      },
    },
  );
}

/** One line at close: what came in, what went out, and what did not (a warning then). */
function logClosingReport(logger: HostLogger, running: TransportPipeline, report: ShutdownReport, counts: FeedCounts, invalidLines: number): void {
  const metrics = running.pipeline.metrics();
  const input = metrics.inputs[running.inputName];
  const delivered = Object.fromEntries(Object.entries(metrics.outputs).map(([name, output]) => [name, output.records]));
  const dropped = Object.values(metrics.outputs).reduce((sum, output) => sum + output.droppedRecords, 0);
  const undelivered = Object.values(report.undelivered).reduce((sum, left) => sum + left.records, 0);
  const fields = { records: counts.taken, delivered, pauses: input?.pauses ?? 0, invalidLines, refused: counts.refused, dropped, undelivered };
  const problems = [
    invalidLines > 0 && `${invalidLines} line(s) were not JSON objects and were skipped`,
    counts.refused > 0 && `${counts.refused} record(s) were refused by the pipeline`,
    dropped > 0 && `${dropped} record(s) were dropped by the output(s) (errors, retries exhausted)`,
    undelivered > 0 && `${undelivered} record(s) were not delivered within Grace (${running.grace} s)`,
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length === 0) logger.info(fields, `closed: ${counts.taken} record(s) taken, everything delivered`);
  else logger.warn(fields, `closed: ${counts.taken} record(s) taken; ${problems.join('; ')}`);
}
