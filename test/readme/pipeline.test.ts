/**
 * The README's Pipeline example runs as written: its code block is taken
 * from README.md as it is, run by Node from inside the repository (so
 * `import 'flbhost'` and `./build/plugins/out_jsonl.so` resolve as they do
 * for a reader who ran `npm install`), and must deliver both records to both
 * outputs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { readJsonLines } from '../helpers/temp.js';

/** The first ```js block of the README section `heading`. */
function readmeCode(heading: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.indexOf(`\n${heading}\n`);
  expect(section, `README.md has a section ${heading}`).toBeGreaterThan(0);
  const start = readme.indexOf('```js\n', section) + '```js\n'.length;
  return readme.slice(start, readme.indexOf('```', start));
}

describe('README', () => {
  it('the Pipelines example runs as written', () => {
    const code = readmeCode('## Pipelines');
    const output = /path: '([^']+\.jsonl)'/.exec(code)?.[1];
    expect(output, 'the example names the file its jsonl output writes').toBeDefined();
    rmSync(output!, { force: true });
    const dir = join(repoRoot, 'build', 'readme');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, `pipeline-${process.pid}.mjs`);
    writeFileSync(script, code);
    try {
      const run = spawnSync(process.execPath, [script], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stderr).toBe(0);
      // The stdout output's two lines, then `report.complete` and the metrics.
      const printed = run.stdout.split('\n');
      expect(printed.slice(0, 2).map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['order placed', 'or let write() wait for you']);
      expect(printed[2]).toMatch(/^true \{/);
      expect(readJsonLines(output!).map((line) => line.record)).toEqual([{ msg: 'order placed', order: 1042 }, { msg: 'or let write() wait for you' }]);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
