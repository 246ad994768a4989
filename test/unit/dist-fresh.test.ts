import { describe, expect, it } from 'vitest';
import { staleBuildInputs } from '../helpers/dist-build.js';

// The CLI, worker-thread and child-process tests run dist/: the global setup
// rebuilds it when src/ changed, so no test runs code older than src/.
describe('dist/', () => {
  it('is newer than every file under src/ and both tsconfigs', () => {
    expect(staleBuildInputs()).toEqual([]);
  });
});
