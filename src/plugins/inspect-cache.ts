/**
 * What `flbhost inspect` says about each plugin file, kept by file identity
 * (device, inode, size, modification time) so that listing the plugins
 * probes a file once, not on every GET. Each probe runs in a child process
 * (the isolation backend): nothing is loaded into the process that lists.
 *
 * Failures are kept too: a file that crashes its probe would otherwise
 * start a child on every listing. A file that is replaced or touched has a
 * new identity and is probed again. Identities no longer seen in a listing
 * are forgotten (`retain`).
 */
import { messageOf } from '../errors.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ChildProcessBackend } from '../backend/child-process.js';
import type { HostLogger } from '../logging.js';
import { inspectPlugin, type InspectReport } from '../proxy/inspect.js';

export interface FileFacts {
  /** `dev:ino:size:mtimeMs` */
  identity: string;
  size: number;
  modified: Date;
}

export interface Inspection {
  sha256: string;
  report?: InspectReport;
  /** Why the probe failed (the load error's message). */
  error?: string;
}

/** The identity of the file at `path` now; undefined when there is none (or it is not a regular file). */
export async function fileFacts(path: string): Promise<FileFacts | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return { identity: `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`, size: info.size, modified: info.mtime };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const part of createReadStream(path)) hash.update(part as Buffer);
  return hash.digest('hex');
}

export class InspectCache {
  private readonly entries = new Map<string, Promise<Inspection>>();
  /** Its own backend: the probes must not touch the routes of the pipeline's or the library API's. */
  private readonly backend = new ChildProcessBackend();
  /** Probes started (each a child process); what a test reads to see the cache work. */
  probes = 0;
  /**
   * Probes run one at a time: the first listing of a directory of Go plugins
   * would otherwise start a Go runtime per file at once (about 24 MB each).
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger: HostLogger) {}

  /**
   * The inspection of the file at `path` with identity `facts` (probed at
   * most once per identity; `sha256` when the caller hashed it already). An
   * install probes its temporary file through here: renamed into place it
   * keeps its identity, so the listing after it probes nothing. The report
   * names the path it was first probed at; callers put their own path in.
   */
  inspect(path: string, facts: FileFacts, sha256?: string): Promise<Inspection> {
    let entry = this.entries.get(facts.identity);
    if (!entry) {
      const run = this.queue.then(() => this.run(path, sha256));
      this.queue = run.catch(() => undefined);
      entry = run;
      this.entries.set(facts.identity, entry);
      // Only an I/O failure rejects (the file went away): not worth keeping.
      entry.catch(() => this.entries.delete(facts.identity));
    }
    return entry;
  }

  /** Forgets every identity not in `identities` (files gone or changed). */
  retain(identities: Set<string>): void {
    for (const key of this.entries.keys()) if (!identities.has(key)) this.entries.delete(key);
  }

  private async run(path: string, known?: string): Promise<Inspection> {
    this.probes++;
    const sha256 = known ?? (await sha256File(path));
    try {
      return { sha256, report: await inspectPlugin(path, this.logger, { backend: this.backend }) };
    } catch (error) {
      return { sha256, error: messageOf(error) };
    }
  }
}
