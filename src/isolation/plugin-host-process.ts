/**
 * One plugin-host child process (native/plugin_host*.cc) and the frames to
 * and from it: requests that a completion answers, events (log lines, input
 * chunks, input counters), and how it ended.
 *
 * The child is spawned (exec'd), never forked: flbhost runs Node and may
 * have loaded Go runtimes, neither of which survives a fork. Commands go to
 * its fd 3 and events come from its fd 4; its stdout is flbhost's (a plugin
 * may print), its stderr passes through to flbhost's and its last lines are
 * kept for the crash report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { NativeChunkFailure, NativeError, NativeInputStats, NativeLibraryInfo } from '../native.js';
import { COMPLETION, FRAME, FrameBuilder, FrameSplitter, type FrameFields, type ReceivedFrame } from './protocol.js';
import { StderrTail } from './stderr-tail.js';
import { requirePluginHost } from '../binaries.js';

/** How a child ended. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What flbhost did to it, if it was killed on purpose ("flush timed out after 5 s"). */
  killedBecause?: string;
  /** The stream or spawn failure that ended it, if any. */
  failure?: string;
  /** The crash's own words: see StderrTail.report(). */
  stderr: string[];
}

/** What a child reports besides completions. */
export interface HostEventHandlers {
  log(level: number, plugin: string, file: string, line: number, message: string): void;
  chunk?(data: Buffer, events: number, format: number, failure?: NativeChunkFailure): void;
  stats?(stats: NativeInputStats): void;
}

/** A request the child did not answer because it ended first. */
export class HostExitedError extends Error {
  constructor(readonly exit: HostExit) {
    super(`the plugin host ended (${describeExit(exit)})`);
    this.name = 'HostExitedError';
  }
}

/** How long an exited child's last frames and stderr lines are waited for. */
const EXIT_DRAIN_MS = 500;

export type LoadResult = { ok: true; info: NativeLibraryInfo } | { ok: false; phase: string; message: string; dlerror: string };

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class PluginHostProcess {
  readonly pid: number | undefined;
  /** Settles once the child has ended and every frame it wrote was handled. */
  readonly exited: Promise<HostExit>;
  private readonly child: ChildProcess;
  private readonly commands?: Writable;
  private readonly waiters = new Map<number, Waiter>();
  private readonly loads = new Map<number, Waiter>();
  private readonly unread = new Map<number, string[]>();
  private readonly splitter = new FrameSplitter();
  private readonly tail = new StderrTail();
  private nextOp = 1;
  private killedBecause?: string;
  private failure?: string;
  private ended = false;
  private exit?: HostExit;
  private referenced = true;

  /**
   * `role` is set in the child's environment as FLBHOST_PLUGIN_HOST_ROLE
   * ('probe' or 'instance'): a plugin can tell a loading probe, which only
   * registers it, from a process that runs an instance.
   */
  constructor(label: string, role: 'probe' | 'instance', private readonly handlers: HostEventHandlers) {
    this.child = spawn(requirePluginHost(), [label], {
      stdio: ['ignore', 'inherit', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, FLBHOST_PLUGIN_HOST_ROLE: role },
      // Its own process group would shield it from Ctrl-C, but it ignores the
      // group's signals itself (plugin_host_main.cc); staying in flbhost's
      // group keeps `kill -9 -<pgid>` of flbhost reaching it.
      detached: false,
    });
    this.pid = this.child.pid;
    // All three are missing when the spawn itself failed (EMFILE, say): the
    // 'error' below then ends this host like any other exit.
    this.commands = (this.child.stdio[3] as Writable | null) ?? undefined;
    const events = this.child.stdio[4] as Readable | null;
    const stderr = this.child.stderr;
    // Writes to a child that just died fail with EPIPE; its exit says why.
    this.commands?.on('error', () => undefined);
    events?.on('error', () => undefined);
    stderr?.on('data', (data: Buffer) => {
      this.tail.push(data);
      process.stderr.write(data);
    });
    events?.on('data', (data: Buffer) => this.receive(data));
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.ended) return;
        this.ended = true;
        // A process the plugin started may hold our pipes open: stop reading.
        events?.destroy();
        stderr?.destroy();
        const exit: HostExit = { code, signal, killedBecause: this.killedBecause, failure: this.failure, stderr: this.tail.report() };
        this.exit = exit;
        const error = new HostExitedError(exit);
        for (const waiter of [...this.waiters.values(), ...this.loads.values()]) waiter.reject(error);
        this.waiters.clear();
        this.loads.clear();
        resolve(exit);
      };
      this.child.on('error', (error) => {
        this.failure ??= `cannot run the plugin host: ${error.message}`;
        // A child that never started emits no 'exit'.
        if (this.child.pid === undefined) finish(null, null);
      });
      // Ended is when the process has exited and what it wrote has been
      // read: the event stream and stderr reach their end (the child's
      // descriptors are close-on-exec, so at once). Not 'close', which also
      // waits for every process the plugin started and that inherited them.
      this.child.on('exit', (code, signal) => {
        let open = [events, stderr].filter((stream) => stream && !stream.readableEnded).length;
        const done = () => finish(code, signal);
        if (open === 0) return done();
        for (const stream of [events, stderr]) {
          if (stream && !stream.readableEnded) stream.once('end', () => --open === 0 && done());
        }
        setTimeout(done, EXIT_DRAIN_MS).unref();
      });
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Loads and registers the library (dlopen + Register in the child). */
  load(path: string): Promise<LoadResult> {
    const op = this.nextOp++;
    this.write(new FrameBuilder(FRAME.load, op).string(path).head());
    return new Promise<LoadResult>((resolve, reject) => this.wait(this.loads, op, { resolve: resolve as (v: unknown) => void, reject }));
  }

  /**
   * Sends a request and resolves with its completion: undefined (done), a
   * number (a return code), a string (text), or null (cancelled); rejects
   * with an Error carrying `phase` when the child refused it, and with a
   * HostExitedError when the child ended first.
   */
  request(type: number, fields?: (frame: FrameBuilder) => void, rest?: readonly Uint8Array[]): Promise<unknown> {
    const op = this.nextOp++;
    const frame = new FrameBuilder(type, op);
    fields?.(frame);
    const restBytes = rest?.reduce((sum, piece) => sum + piece.byteLength, 0) ?? 0;
    if (rest && rest.length > 0) {
      // One writev for the header and every piece: nothing is copied here.
      this.commands?.cork();
      this.write(frame.head(restBytes));
      for (const piece of rest) if (piece.byteLength > 0) this.write(piece);
      this.commands?.uncork();
    } else {
      this.write(frame.head());
    }
    return new Promise((resolve, reject) => this.wait(this.waiters, op, { resolve, reject }));
  }

  /** A request to a child that has ended already is answered at once: it never will be otherwise. */
  private wait(table: Map<number, Waiter>, op: number, waiter: Waiter): void {
    if (this.exit) waiter.reject(new HostExitedError(this.exit));
    else table.set(op, waiter);
  }

  /** A command nobody waits for. */
  send(type: number, fields: (frame: FrameBuilder) => void): void {
    const frame = new FrameBuilder(type, 0);
    fields(frame);
    this.write(frame.head());
  }

  /** The keys the instance's Init and PreRun never read, reported with the start whose op it was. */
  takeUnread(): string[] {
    const all = [...this.unread.values()].flat();
    this.unread.clear();
    return all;
  }

  /** Closing the command stream ends the child once its instance is closed (or at once if it has none). */
  end(): void {
    if (!this.ended) this.commands?.end();
  }

  /** SIGKILL; `reason` goes into the exit report. */
  kill(reason: string): void {
    if (this.ended) return;
    this.killedBecause ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Whether the child (and its pipes) keep Node's event loop alive. */
  setReferenced(referenced: boolean): void {
    if (referenced === this.referenced) return;
    this.referenced = referenced;
    const handles = [this.child, this.child.stdio[2], this.child.stdio[3], this.child.stdio[4]] as Array<{ ref?(): void; unref?(): void } | null>;
    for (const handle of handles) {
      if (referenced) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  private write(data: Uint8Array): void {
    if (!this.ended) this.commands?.write(data);
  }

  private receive(data: Buffer): void {
    let frames: ReceivedFrame[];
    try {
      frames = this.splitter.push(data);
    } catch (error) {
      this.failure ??= (error as Error).message;
      this.kill('its event stream was broken');
      return;
    }
    for (const frame of frames) {
      try {
        this.handle(frame);
      } catch (error) {
        // A frame shorter than its fields: the child's memory is not to be trusted.
        this.failure ??= `a malformed frame from the plugin host (${(error as Error).message})`;
        this.kill('its event stream was broken');
        return;
      }
    }
  }

  private handle({ type, op, fields }: ReceivedFrame): void {
    switch (type) {
      case FRAME.completed:
        return this.complete(op, fields);
      case FRAME.loaded:
        return this.loaded(op, fields);
      case FRAME.log:
        return this.handlers.log(fields.i32(), fields.string(), fields.string(), fields.i32(), fields.string());
      case FRAME.chunk: {
        const events = fields.u64();
        const format = fields.u8();
        const failed = fields.u8() === 1;
        const event = fields.u64();
        const offset = fields.u64();
        const message = fields.string();
        this.handlers.chunk?.(fields.rest(), events, format, failed ? { event, offset, message } : undefined);
        return;
      }
      case FRAME.unread: {
        const count = fields.u32();
        const keys: string[] = [];
        for (let i = 0; i < count; i++) keys.push(fields.string());
        this.unread.set(op, keys);
        return;
      }
      case FRAME.stats:
        this.handlers.stats?.(readStats(fields));
        return;
      default:
        this.failure ??= `an unknown frame type ${type} from the plugin host`;
        this.kill('it sent an unknown frame');
    }
  }

  private complete(op: number, fields: FrameFields): void {
    const waiter = this.waiters.get(op);
    if (!waiter) return;
    // Decoded first: a malformed frame leaves the waiter to the exit, which settles it.
    const kind = fields.u8();
    const code = fields.i32();
    const text = fields.string();
    const phase = fields.string();
    this.waiters.delete(op);
    if (kind === COMPLETION.failed) {
      const error = new Error(text) as NativeError;
      error.phase = phase;
      waiter.reject(error);
    } else {
      waiter.resolve(kind === COMPLETION.code ? code : kind === COMPLETION.text ? text : kind === COMPLETION.cancelled ? null : undefined);
    }
  }

  private loaded(op: number, fields: FrameFields): void {
    const waiter = this.loads.get(op);
    if (!waiter) return;
    if (fields.u8() !== 1) {
      const failure = { ok: false as const, phase: fields.string(), message: fields.string(), dlerror: fields.string() };
      this.loads.delete(op);
      waiter.resolve(failure);
      return;
    }
    const path = fields.string();
    const name = fields.string();
    const description = fields.string();
    const type = fields.i32();
    const flags = fields.i32();
    const eventType = fields.i32();
    const count = fields.u32();
    const exports: string[] = [];
    for (let i = 0; i < count; i++) exports.push(fields.string());
    this.loads.delete(op);
    waiter.resolve({ ok: true, info: { path, name, description, type, flags, eventType, exports, liveInstances: 0 } });
  }
}

function readStats(fields: FrameFields): NativeInputStats {
  return {
    collects: fields.u64(),
    collectErrors: fields.u64(),
    chunks: fields.u64(),
    bytes: fields.u64(),
    pauses: fields.u64(),
    droppedChunks: fields.u64(),
    outstandingBytes: fields.u64(),
    peakOutstandingBytes: fields.u64(),
    malformedChunks: fields.u64(),
    paused: fields.u8() === 1,
  };
}

/** "killed by SIGSEGV", "exit code 2", "killed (flush timed out after 5 s)". */
export function describeExit(exit: HostExit): string {
  if (exit.failure && exit.code === null && exit.signal === null) return exit.failure;
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  const why = [exit.killedBecause, exit.failure].filter(Boolean).join(': ');
  return why ? `${how}: ${why}` : how;
}

/** "; <lead>:" and the child's last stderr lines, indented, for an error message; "" when it wrote none. */
export function stderrSuffix(exit: HostExit, lead: string): string {
  return exit.stderr.length > 0 ? `; ${lead}:\n  ${exit.stderr.join('\n  ')}` : '';
}
