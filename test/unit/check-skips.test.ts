import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

// scripts/check-skips.mjs, run by .ci/run on vitest's JSON report: a skip is
// allowed only when test/known-skips.json explains it and its condition holds.
const dir = tempDir();
const asRoot = process.getuid?.() === 0;
const holding = asRoot ? 'root' : 'not root';
const notHolding = asRoot ? 'not root' : 'root';

function check(tests: Array<{ title: string; status: string }>, known: Record<string, { when: string; reason: string }>) {
  const report = join(dir, 'report.json');
  const knownFile = join(dir, 'known.json');
  const assertionResults = tests.map(({ title, status }) => ({ ancestorTitles: ['block'], title, status }));
  writeFileSync(report, JSON.stringify({ testResults: [{ name: join(repoRoot, 'test/x.test.ts'), assertionResults }] }));
  writeFileSync(knownFile, JSON.stringify(known));
  const run = spawnSync(process.execPath, [join(repoRoot, 'scripts/check-skips.mjs'), report, knownFile], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('check-skips', () => {
  it('passes a listed skip whose condition holds, printing its reason', () => {
    const result = check(
      [{ title: 'runs', status: 'passed' }, { title: 'skips', status: 'skipped' }],
      { 'test/x.test.ts > block > skips': { when: holding, reason: 'the reason' } },
    );
    expect(result.out).toContain('the reason');
    expect(result.status).toBe(0);
  });

  it('fails naming a skipped test that is not listed', () => {
    const result = check([{ title: 'runs', status: 'passed' }, { title: 'quietly skipped', status: 'skipped' }], {});
    expect(result.out).toContain('UNEXPECTED SKIP: test/x.test.ts > block > quietly skipped');
    expect(result.status).toBe(1);
  });

  it('fails on a listed skip when its condition does not hold here', () => {
    const result = check([{ title: 'skips', status: 'skipped' }], {
      'test/x.test.ts > block > skips': { when: notHolding, reason: 'the reason' },
    });
    expect(result.out).toContain(`known to skip only when ${notHolding}`);
    expect(result.status).toBe(1);
  });

  it('covers every test of a listed describe block, and counts todo as a skip', () => {
    const known = { 'test/x.test.ts > block': { when: holding, reason: 'whole block' } };
    expect(check([{ title: 'a', status: 'skipped' }, { title: 'b', status: 'todo' }], known).status).toBe(0);
    expect(check([{ title: 'b', status: 'todo' }], {}).status).toBe(1);
  });

  it('fails on an entry whose file ran but which names no test (renamed or removed)', () => {
    const result = check([{ title: 'runs', status: 'passed' }], { 'test/x.test.ts > block > renamed': { when: holding, reason: 'r' } });
    expect(result.out).toContain('STALE KNOWN SKIP: test/x.test.ts > block > renamed');
    expect(result.status).toBe(1);
  });

  it('refuses a condition it does not know', () => {
    const result = check([{ title: 'runs', status: 'passed' }], { 'test/x.test.ts > block > runs': { when: 'on Tuesdays', reason: 'r' } });
    expect(result.out).toContain("unknown condition 'on Tuesdays'");
    expect(result.status).not.toBe(0);
  });
});
