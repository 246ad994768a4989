/**
 * The last lines a plugin-host child wrote to stderr, kept for the report
 * of its crash. A Go panic prints its message first and then a trace of
 * every goroutine, so the report shows the panic line and what follows it
 * rather than the end of the last goroutine's trace.
 */

/** Lines kept (bounded in bytes too): enough for a panic and the top of its trace. */
const KEPT_LINES = 200;
const KEPT_BYTES = 64 * 1024;
/** Lines shown in a crash report. */
export const REPORTED_LINES = 20;

/** Where a crash explains itself: Go's panic and fatal-error headers, and a C plugin's own last words. */
const CRASH_HEADER = /^(panic: |fatal error: |unexpected (fault|signal)|SIGSEGV|SIGBUS|SIGABRT|\[signal )/;

export class StderrTail {
  private lines: string[] = [];
  private bytes = 0;
  private partial = '';

  /** Adds what the child wrote. */
  push(data: Buffer): void {
    const text = this.partial + data.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > KEPT_BYTES) this.partial = this.partial.slice(-KEPT_BYTES);
    for (const line of lines) this.keep(line);
  }

  /** The lines worth showing: from the last crash header on, else the last ones. */
  report(): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    let from = -1;
    for (let i = all.length - 1; i >= 0; i--) {
      if (CRASH_HEADER.test(all[i]!)) {
        from = i;
        break;
      }
    }
    // A panic's header can be a line or two below "goroutine N [running]" only
    // when runtime output interleaves; from the header on is what people read.
    return from >= 0 ? all.slice(from, from + REPORTED_LINES) : all.slice(-REPORTED_LINES);
  }

  private keep(line: string): void {
    this.lines.push(line);
    this.bytes += line.length + 1;
    while (this.lines.length > KEPT_LINES || this.bytes > KEPT_BYTES) this.bytes -= this.lines.shift()!.length + 1;
  }
}
