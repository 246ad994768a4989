/**
 * Lines from pino that are not JSON objects (a stray console write into the
 * stream, a truncated line, a bare value): skipped, counted, and said once.
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

  /** split2's 'unknown' event: (line, the parse error). */
  add(line: string, error: unknown): void {
    // pino never writes blank lines; a stray "\n\n" is not worth a warning.
    if (line.trim() === '') return;
    if (this.count++ > 0) return;
    const sample = line.length > SAMPLE_CHARS ? `${line.slice(0, SAMPLE_CHARS)}…` : line;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn({ invalidLines: this.count, sample }, `skipped a line that is not a JSON object (${reason}); further ones are counted and the total is reported when the transport closes`);
  }
}
