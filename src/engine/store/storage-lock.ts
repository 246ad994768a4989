/**
 * One process per `storage.path`. Two hosts on one directory would each
 * take the other's live chunks for a backlog and deliver them twice, or
 * delete them under each other (Fluent Bit itself does not guard against
 * this). The lock is a file, `.flbhost.lock` (hidden: Fluent Bit's scanner
 * skips it), created exclusively and holding the owner's pid and the start
 * time of that pid (so a pid reused by another process is not mistaken for
 * the owner). A lock whose owner is gone (killed) is taken over.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';

export const LOCK_FILE = '.flbhost.lock';

/** The start time of process `pid` in clock ticks since boot (field 22 of /proc/pid/stat), or undefined when it does not exist. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export class StorageLock {
  private constructor(private readonly path: string) {}

  /** Takes the lock of `directory` or throws a ConfigError naming the process that holds it. */
  static acquire(directory: string): StorageLock {
    const path = join(directory, LOCK_FILE);
    const mine = `${process.pid} ${startTimeOf(process.pid) ?? '?'}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o644);
        writeSync(fd, mine);
        closeSync(fd);
        return new StorageLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new ConfigError(`storage.path ${directory}: cannot create ${LOCK_FILE}: ${(error as Error).message}`);
        }
      }
      let holder = '';
      try {
        holder = readFileSync(path, 'utf8').trim();
      } catch {
        continue; // released meanwhile: try again
      }
      const [pid, started] = holder.split(' ');
      const alive = pid !== undefined && /^\d+$/.test(pid) && startTimeOf(Number(pid)) === started;
      if (alive) {
        const who = Number(pid) === process.pid ? 'another pipeline of this process' : `another flbhost (pid ${pid})`;
        throw new ConfigError(
          `storage.path ${directory} is in use by ${who}; two hosts on one storage.path would deliver each other's chunks twice. Give each its own storage.path`,
        );
      }
      // Its owner is gone (killed): take it over.
      try {
        unlinkSync(path);
      } catch {
        // someone else took it over first: the next attempt sees theirs
      }
    }
    throw new ConfigError(`storage.path ${directory}: could not take ${LOCK_FILE}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // gone already
    }
  }
}
