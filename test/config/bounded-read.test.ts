import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { fixture, lines, load, loadError } from './fixture.js';

// Config files are read whole, so every read is bounded (16 MiB): a path that
// names something endless fails at once with an error naming it and the key
// that referred to it, instead of reading until the process aborts.
const ENDLESS = 'it is a character device that gave more than 16 MiB without ending; a config file may be at most 16 MiB';

/** A FIFO in `dir` fed by `sh -c script` (which gets the FIFO's path as $0); returns the path and the writer. */
function fifoFedBy(dir: string, script: string) {
  const path = join(dir, 'fifo.conf');
  execFileSync('mkfifo', [path]);
  const writer = spawn('sh', ['-c', script, path], { stdio: 'ignore' });
  return { path, exited: once(writer, 'exit') };
}

describe('bounded config reads', () => {
  it('refuses @INCLUDE /dev/zero, naming the @INCLUDE line', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Flush 1', '@INCLUDE /dev/zero') });
    expect((await loadError(dir)).message).toBe(`${join(dir, 'fluent-bit.conf')}:3: @INCLUDE cannot read '/dev/zero': ${ENDLESS}`);
  });

  it('refuses Plugins_File /dev/zero, naming the key and its line', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', '    Plugins_File /dev/zero') });
    expect((await loadError(dir)).message).toBe(`${join(dir, 'fluent-bit.conf')}:2: Plugins_File: cannot read '/dev/zero': ${ENDLESS}`);
  });

  it('refuses a YAML include of /dev/zero, naming the includes: line', async () => {
    const dir = fixture({ 'fluent-bit.yaml': lines('service:', '  flush: 1', 'includes:', '  - /dev/zero') });
    expect((await loadError(dir, 'fluent-bit.yaml')).message).toBe(
      `${join(dir, 'fluent-bit.yaml')}:4: includes: cannot read '/dev/zero': ${ENDLESS}`,
    );
  });

  it('refuses a regular file over 16 MiB without reading it, as an include or as the main file', async () => {
    const dir = fixture({ 'fluent-bit.conf': lines('@INCLUDE huge.conf') });
    // Sparse: 64 MiB of size, no disk blocks.
    writeFileSync(join(dir, 'huge.conf'), '');
    truncateSync(join(dir, 'huge.conf'), 64 * 1024 * 1024);
    expect((await loadError(dir)).message).toBe(
      `${join(dir, 'fluent-bit.conf')}:1: @INCLUDE cannot read 'huge.conf': it is 64 MiB; a config file may be at most 16 MiB`,
    );
    await expect(loadConfigFile(join(dir, 'huge.conf'))).rejects.toThrow(
      new ConfigError(`cannot read config file '${join(dir, 'huge.conf')}': it is 64 MiB; a config file may be at most 16 MiB`),
    );
  });

  it('reads a config from a pipe that ends, as `-c <(generate-config)` gives', async () => {
    const dir = fixture();
    const { exited } = fifoFedBy(dir, `printf '[INPUT]\\n    Name dummy\\n' > "$0"`);
    const loaded = await load(dir, 'fifo.conf');
    await exited;
    expect(loaded.config.inputs.map((input) => input.name)).toEqual(['dummy']);
  });

  it('refuses a pipe that does not end within 16 MiB', async () => {
    const dir = fixture();
    const { path, exited } = fifoFedBy(dir, 'cat /dev/zero > "$0"');
    await expect(loadConfigFile(path)).rejects.toThrow(
      new ConfigError(
        `cannot read config file '${path}': it is a pipe (FIFO) that gave more than 16 MiB without ending; a config file may be at most 16 MiB`,
      ),
    );
    // The writer ends with SIGPIPE once the reader has closed the pipe.
    await exited;
  });
});
