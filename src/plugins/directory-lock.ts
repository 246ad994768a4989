/**
 * One change at a time per plugin directory in this process: an install's
 * "is the name free, then place it" and a delete's "is it in use, then
 * remove it" must not interleave with another request's. Across processes
 * (the command's --dir mode beside a server) link() refusing an existing
 * name is what keeps two installs from overwriting each other.
 */
const queues = new Map<string, Promise<unknown>>();

export async function withDirectoryLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(dir) ?? Promise.resolve();
  const mine = before.then(work, work);
  const tail = mine.catch(() => undefined);
  queues.set(dir, tail);
  try {
    return await mine;
  } finally {
    if (queues.get(dir) === tail) queues.delete(dir);
  }
}
