// `npm run bench:check` (or `npm run bench -- --check`): judges a bench
// report. Every target must be met, every benchmark must have run: a skipped
// or failed part counts as a failure, since a check that passes because
// something did not run would prove nothing. The one exception is the
// comparisons with Fluent Bit (versus_fluent_bit, and storage's target against
// Fluent Bit) when the operator left them out on purpose (FLUENT_BIT_BIN=none;
// see README, Benchmark).
//
//   node bench/check-targets.mjs [report.json]   (default: bench/results/latest.json)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parts of the report that carry targets; each must be present with its targets. */
const JUDGED = ['flush', 'input', 'pipeline', 'json_stdin', 'isolation', 'pino', 'storage'];

/**
 * Comparisons with Fluent Bit: each may be skipped (no binary: a failure, with
 * a hint) or left out on request, but never missing from the report, which
 * would drop it without a word.
 */
const FLUENT_BIT_PARTS = ['versus_fluent_bit', 'storage.targets.ahead_of_fluent_bit_with_filesystem'];

/** The value at a dotted path of the report ("storage.targets.x"), or undefined. */
function at(report, path) {
  return path.split('.').reduce((value, key) => value?.[key], report);
}

/** "target 1e+6, measured 8.12e+5" from a target's figures (met left out, nested targets in braces). */
function figures(target) {
  return Object.entries(target)
    .filter(([key]) => key !== 'met')
    .map(([key, value]) => {
      if (typeof value === 'number') return `${key} ${Number(value.toPrecision(3))}`;
      if (value && typeof value === 'object') return `${key} {${figures(value)}${value.met === false ? ', not met' : ''}}`;
      return `${key} ${value}`;
    })
    .join(', ');
}

/** What to do about a part that was skipped, where there is a choice. */
const FLUENT_BIT_HINT = '; set FLUENT_BIT_BIN=/path/to/fluent-bit, or FLUENT_BIT_BIN=none to leave the comparison out on purpose';
const SKIP_HINTS = Object.fromEntries(FLUENT_BIT_PARTS.map((path) => [path, FLUENT_BIT_HINT]));

/** Every `skipped` or `error` part of the report, by its path ("input.go_input_decoded"). */
function skippedOrFailed(value, path, found) {
  if (!value || typeof value !== 'object') return found;
  if (typeof value.error === 'string') found.push(`${path}: failed (${value.error})`);
  else if (typeof value.skipped === 'string' && value.left_out !== true) found.push(`${path}: skipped (${value.skipped})${SKIP_HINTS[path] ?? ''}`);
  for (const [key, inner] of Object.entries(value)) skippedOrFailed(inner, path ? `${path}.${key}` : key, found);
  return found;
}

/**
 * What keeps `report` from passing the check: one line per target not met,
 * per part skipped or failed, and for a report not run at full scale. Empty
 * when everything ran and every target was met.
 */
export function benchFailures(report) {
  const failures = [];
  if (report.scale !== 1) failures.push(`scale: the report ran at FLBHOST_BENCH_SCALE=${report.scale}; targets are judged on full runs only`);
  for (const part of JUDGED) {
    const targets = report[part]?.targets;
    if (!targets || Object.keys(targets).length === 0) {
      failures.push(`${part}: no targets in the report (the benchmark did not run)`);
      continue;
    }
    for (const [name, target] of Object.entries(targets)) {
      // A target that could not be measured is named below, with the skipped and failed parts.
      if (typeof target?.skipped === 'string' || typeof target?.error === 'string') continue;
      if (target?.met !== true) failures.push(`${part}.${name}: not met (${figures(target ?? {})})`);
    }
  }
  // The comparison's own targets, when it ran (skipped or left out: said below).
  for (const [name, target] of Object.entries(report.versus_fluent_bit?.targets ?? {})) {
    if (target?.met !== true) failures.push(`versus_fluent_bit.${name}: not met (${figures(target ?? {})})`);
  }
  for (const path of FLUENT_BIT_PARTS) {
    // Under a part that did not run at all (named above), it cannot be there.
    const parent = path.includes('.') ? at(report, path.slice(0, path.lastIndexOf('.'))) : report;
    if (parent && at(report, path) === undefined) failures.push(`${path}: missing from the report`);
  }
  failures.push(...skippedOrFailed(report, '', []));
  return failures;
}

/** Prints the verdict on `report` to stderr; true when it passes. */
export function printCheck(report) {
  const failures = benchFailures(report);
  const leftOutParts = FLUENT_BIT_PARTS.filter((path) => at(report, path)?.left_out === true);
  const leftOut = leftOutParts.length > 0 ? ` (left out: ${leftOutParts.map((path) => `${path}: ${at(report, path).skipped}`).join('; ')})` : '';
  if (failures.length === 0) {
    process.stderr.write(`bench check: every target met${leftOut}\n`);
    return true;
  }
  process.stderr.write(`bench check: ${failures.length} failure(s)${leftOut}\n${failures.map((line) => `  ${line}\n`).join('')}`);
  return false;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ?? fileURLToPath(new URL('results/latest.json', import.meta.url));
  process.exitCode = printCheck(JSON.parse(readFileSync(path, 'utf8'))) ? 0 : 1;
}
