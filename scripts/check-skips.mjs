// CI: fails when a test was skipped that test/known-skips.json does not
// explain. A skip hides a behaviour nobody checked; each allowed one is
// listed with why it skips and the condition it skips under, so a known skip
// outside its condition (the EACCES test skipping when not root) fails too.
//
//   node scripts/check-skips.mjs [build/vitest-report.json] [test/known-skips.json]
//
// Keys of known-skips.json: "<test file> > <describe> > ... > <test>", or a
// describe block's prefix to cover every test under it.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The conditions a known skip may name; each says whether it holds on this machine. */
import { fluentBitBinary } from './fluent-bit-binary.mjs';
export const CONDITIONS = {
  root: () => process.getuid?.() === 0,
  'not root': () => process.getuid?.() !== 0,
  'no /dev/full': () => !existsSync('/dev/full'),
  'not x64': () => process.arch !== 'x64',
  'no Fluent Bit binary': () => fluentBitBinary(fileURLToPath(new URL('..', import.meta.url))) === undefined,
};

/** "test/x.test.ts > describe > title" for each test of a vitest JSON report, with its status. */
export function testsOf(report, root) {
  return report.testResults.flatMap((file) =>
    file.assertionResults.map((test) => ({
      key: [relative(root, file.name), ...test.ancestorTitles, test.title].join(' > '),
      file: relative(root, file.name),
      status: test.status,
    })),
  );
}

/**
 * Sorts the skipped tests of `tests` (from testsOf) against `known`:
 * explained (listed, and its condition holds), unexpected (anything else),
 * and stale entries (the report ran their file but no test matches them).
 * `holds(condition)` says whether a condition holds here.
 */
export function checkSkips(tests, known, holds) {
  const entryFor = (key) => Object.keys(known).find((entry) => key === entry || key.startsWith(`${entry} > `));
  const explained = [];
  const unexpected = [];
  for (const test of tests) {
    if (test.status === 'passed' || test.status === 'failed') continue;
    const entry = entryFor(test.key);
    if (entry === undefined) {
      unexpected.push({ key: test.key, why: 'not in the known skips' });
    } else if (!holds(known[entry].when)) {
      unexpected.push({ key: test.key, why: `known to skip only when ${known[entry].when}, which does not hold here` });
    } else {
      explained.push({ key: test.key, reason: known[entry].reason, when: known[entry].when });
    }
  }
  const filesRun = new Set(tests.map((test) => test.file));
  const stale = Object.keys(known).filter(
    (entry) => filesRun.has(entry.split(' > ')[0]) && !tests.some((test) => entryFor(test.key) === entry),
  );
  return { explained, unexpected, stale };
}

function holdsHere(condition) {
  const check = CONDITIONS[condition];
  if (!check) throw new Error(`known-skips: unknown condition '${condition}' (known: ${Object.keys(CONDITIONS).join(', ')})`);
  return check();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const [reportPath = `${root}build/vitest-report.json`, knownPath = `${root}test/known-skips.json`] = process.argv.slice(2);
  const known = JSON.parse(readFileSync(knownPath, 'utf8'));
  for (const [entry, { when, reason }] of Object.entries(known)) {
    if (typeof reason !== 'string' || reason === '') throw new Error(`known-skips: '${entry}' has no reason`);
    holdsHere(when); // an unknown condition fails here, even for a test that ran
  }
  const { explained, unexpected, stale } = checkSkips(testsOf(JSON.parse(readFileSync(reportPath, 'utf8')), root), known, holdsHere);
  for (const skip of explained) console.log(`known skip (${skip.when}): ${skip.key}\n  ${skip.reason}`);
  for (const skip of unexpected) console.error(`UNEXPECTED SKIP: ${skip.key}\n  ${skip.why}`);
  for (const entry of stale) console.error(`STALE KNOWN SKIP: ${entry}\n  its file ran but no test has this name: update ${relative(root, knownPath)}`);
  if (unexpected.length > 0 || stale.length > 0) {
    console.error(`${unexpected.length} unexpected skip(s), ${stale.length} stale entr${stale.length === 1 ? 'y' : 'ies'}: explain them in ${relative(root, knownPath)} or make the tests run`);
    process.exit(1);
  }
  console.log(`skips: ${explained.length} known, none unexpected`);
}
