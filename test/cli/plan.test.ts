/** The command and the plan: --dry-run refuses what the run would refuse, and says things once. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const bin = join(repoRoot, 'bin', 'flbhost.js');
const dir = tempDir();
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('flbhost and the plan', () => {
  it('warns once about an unsupported [SERVICE] key', () => {
    const conf = join(dir, 'service.conf');
    writeFileSync(conf, '[SERVICE]\n    Parsers_File parsers.conf\n[INPUT]\n    Name dummy\n    Samples 1\n[OUTPUT]\n    Name null\n    Match *\n');
    const result = run(['-c', conf, '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stderr.match(/Parsers_File/g)).toHaveLength(1);
  });

  it('refuses an unknown key of a built-in plugin at --dry-run, with its line and the key it meant', () => {
    const conf = join(dir, 'typo.conf');
    writeFileSync(conf, '[INPUT]\n    Name dummy\n    Sampels 2\n[OUTPUT]\n    Name null\n    Match *\n');
    const result = run(['-c', conf, '--dry-run']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${conf}:3: dummy.0: unknown property 'Sampels'; did you mean 'samples'?`);
  });

  it('refuses an unknown -p key of a built-in output, naming the flag', () => {
    const result = run(['-i', 'dummy', '-p', 'samples=1', '-o', 'stdout', '-p', 'formt=json', '--dry-run']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("-o stdout (#1): stdout.0: unknown property 'formt'; did you mean 'format'?");
  });
});
