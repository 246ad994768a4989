import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cPlugin, repoRoot } from '../helpers/paths.js';
import { readJsonLines, tempDir } from '../helpers/temp.js';

const dir = tempDir();

describe('process exit', () => {
  it.each(['close', 'leave-open'])('exits by itself once no work is pending (%s)', (mode) => {
    const path = join(dir, `${mode}.jsonl`);
    const child = spawnSync(process.execPath, [join(repoRoot, 'test/fixtures/js/child-exit.mjs'), cPlugin('out_jsonl'), path, mode], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(child.error).toBeUndefined(); // a timeout would show here
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('flushed ok\n');
    expect(readJsonLines(path)).toHaveLength(1);
  });
});
