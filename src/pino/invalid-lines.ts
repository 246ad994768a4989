/**
 * Lines from pino that are not JSON objects (a stray console write into the
 * stream, a truncated line, a bare value, an array): skipped, counted, and
 * said once. The native parser finds them (its per-line problems).
 *
 * The first one is logged as a warning when it arrives, with the start of
 * the line, so an operator hears of it without waiting for the exit; the
 * rest are only counted (a stream of them must not become a stream of
 * warnings) and the total is in the transport's closing report.
 */
import type { HostLogger } from '../logging.js';

/** How much of an offending line the warning quotes. */
const SAMPLE_CHARS = 120;

export class InvalidLines {
  count = 0;

  constructor(private readonly logger: HostLogger) {}

  /** One line the parser refused: why, and its text (read only for the first one). */
  add(reason: string, text: () => string): void {
    if (this.count++ > 0) return;
    const line = text();
    const sample = line.length > SAMPLE_CHARS ? `${line.slice(0, SAMPLE_CHARS)}…` : line;
    this.logger.warn({ invalidLines: this.count, sample }, `skipped a line that is not a JSON object (${reason}); further ones are counted and the total is reported when the transport closes`);
  }
}
