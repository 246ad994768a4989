/**
 * Exit code 3: the command stopped with records that could not be delivered
 * within the Grace period (here a real C output whose flush outlasts it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cPlugin } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();

describe('flbhost: data left undelivered at the end of Grace', () => {
  it('exits 3 and names the output and how many records it did not get', () => {
    const config = join(dir, 'slow.conf');
    writeFileSync(
      config,
      [
        '[SERVICE]',
        '    Flush 0.2',
        '    Grace 1',
        '',
        '[INPUT]',
        '    Name    dummy',
        '    Tag     slow',
        '    Samples 2',
        '    Rate    20',
        '',
        '[OUTPUT]',
        '    Name     sleep',
        '    Match    *',
        '    sleep_ms 20000',
        '',
      ].join('\n'),
    );
    // dummy ends after its two samples, which starts the graceful stop; the
    // flush holding them takes 20 s, Grace is 1 s.
    const started = Date.now();
    const result = runCli(['-c', config, '-e', cPlugin('out_sleep')]);
    expect(result.error).toBeUndefined(); // a timeout would show here
    expect(result.stderr).toContain('flbhost: stopped with undelivered data: sleep.0: 2 record(s)\n');
    expect(result.status).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000); // it gave up at Grace, not when the flush ended
  });
});
