/**
 * What every isolated instance (output, input, custom) does the same way:
 * its child process is started, loads the .so, creates the instance and
 * runs Init (and PreRun); when the child dies it is reported, counted and
 * started again with backoff (restart-policy.ts), or given up.
 *
 * Subclasses say what a lost child means for their work (onLost), what to
 * do once a child is ready again (onReady), and what giving up means
 * (onFailed).
 */
import type { HostLogger } from '../logging.js';
import type { InstanceRoutes } from '../backend/instance-routes.js';
import type { NativeChunkFailure, NativeInputStats } from '../native.js';
import { FRAME } from './protocol.js';
import { describeExit, HostExitedError, PluginHostProcess, stderrSuffix, type HostExit } from './plugin-host-process.js';
import { CRASH_LIMIT, CRASH_WINDOW_MS, RESTART_START_TIMEOUT_MS, RestartPolicy } from './restart-policy.js';

/** What an isolated instance was asked to be. */
export interface IsolatedInstanceSpec {
  id: number;
  name: string;
  /** 1 input, 2 output, 3 custom (PLUGIN_TYPE). */
  type: 1 | 2 | 3;
  path: string;
  plugin: string;
  properties: Array<[string, string]>;
  logLevel: number;
  workers?: number;
  /** Outputs: bytes of queued chunks one flush may carry (0: one chunk per flush). */
  mergeLimit?: number;
  intervalNs?: number;
  bufferLimit?: number;
  /** Where plugin log lines and input chunks go. */
  routes: InstanceRoutes;
  /** Where flbhost's own lines about the instance go until it is attached to the routes. */
  logger: HostLogger;
}

/** Counted per instance, shown in metrics. */
export interface SupervisionStats {
  /** The child died by itself (a signal, or an exit). */
  crashes: number;
  /** flbhost killed the child because a flush exceeded Flush_Timeout. */
  flushTimeouts: number;
  /** Children started again after a crash or a timeout. */
  restarts: number;
  /** Given up after too many failures: nothing runs any more. */
  failed: boolean;
}

type State = 'created' | 'starting' | 'running' | 'restarting' | 'closing' | 'closed' | 'failed';

const KIND_NAMES = { 1: 'input', 2: 'output', 3: 'custom' } as const;

export abstract class SupervisedInstance {
  readonly id: number;
  readonly name: string;
  protected host?: PluginHostProcess;
  protected state: State = 'created';
  private readonly policy = new RestartPolicy();
  private readonly counters = { crashes: 0, flushTimeouts: 0, restarts: 0 };
  private unread: string[] = [];
  private logLevel: number;
  private restartTimer?: NodeJS.Timeout;
  /** A restart under way (its child loading and starting). */
  private launching?: Promise<unknown>;
  private failure?: Error;

  constructor(protected readonly spec: IsolatedInstanceSpec) {
    this.id = spec.id;
    this.name = spec.name;
    this.logLevel = spec.logLevel;
  }

  /** flbhost's lines about this instance (crashes, restarts) go where its plugin's lines go. */
  protected get logger(): HostLogger {
    return this.spec.routes.loggerOf(this.id) ?? this.spec.logger;
  }

  /** First start: Init's return code. A child that dies here is an error, not a restart. */
  async start(): Promise<number> {
    if (this.state !== 'created') throw new Error(`${this.name}: start() was called already`);
    this.state = 'starting';
    let code: number;
    try {
      code = await this.launch();
    } catch (error) {
      this.state = 'failed';
      this.host?.kill('its start failed');
      if (error instanceof HostExitedError) throw this.startCrashError(error.exit);
      throw error;
    }
    if (code <= 0) {
      this.state = 'failed';
      this.host?.end();
      return code;
    }
    this.state = 'running';
    this.onReady();
    this.updateReferenced();
    return code;
  }

  unreadProperties(): string[] {
    return this.unread;
  }

  setLogLevel(level: number): void {
    this.logLevel = level;
    this.host?.send(FRAME.setLogLevel, (frame) => frame.i32(level));
  }

  metrics(): Promise<string> {
    const host = this.host;
    if (!host || this.state !== 'running') return Promise.resolve('');
    return host.request(FRAME.metrics).then(
      (text) => String(text ?? ''),
      () => '',
    );
  }

  supervision(): SupervisionStats {
    return { ...this.counters, failed: this.state === 'failed' };
  }

  /** Closes the instance in its child (PreExit, Exit), then lets the child end. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    await this.beforeClose();
    clearTimeout(this.restartTimer);
    // A restart half done would otherwise get the close before its Init.
    await this.launching?.catch(() => undefined);
    const host = this.host;
    this.state = 'closing';
    if (host?.alive) {
      host.setReferenced(true);
      await host.request(FRAME.close).catch(() => undefined);
      host.end();
      await host.exited;
    }
    this.state = 'closed';
  }

  /** The close did not finish in time: the child is killed, and whatever still waits is settled. */
  terminate(): void {
    clearTimeout(this.restartTimer);
    this.host?.kill('it did not exit within the grace period');
    this.state = 'closed';
    this.onTerminated();
  }

  // --- for subclasses ------------------------------------------------------

  /** The child is up (first start or a restart): send it work. */
  protected abstract onReady(): void;
  /** The child died: take back what it had. */
  protected abstract onLost(): void;
  /** Given up: settle everything still waiting with `error`. */
  protected abstract onFailed(error: Error): void;
  /** Whether the child should keep Node's event loop alive now. */
  protected abstract wantsReferenced(): boolean;
  /** terminate(): settle what still waits (outputs: as cancelled). */
  protected onTerminated(): void {}
  /** Before close: what must happen first (outputs drain their queue). */
  protected beforeClose(): Promise<void> {
    return Promise.resolve();
  }
  protected onChunk?(data: Buffer, events: number, format: number, failure?: NativeChunkFailure): void;
  protected onStats?(stats: NativeInputStats): void;

  protected get failedWith(): Error | undefined {
    return this.failure;
  }

  protected updateReferenced(): void {
    this.host?.setReferenced(this.wantsReferenced());
  }

  /** Kills the current child for hanging; the restart follows from its exit. */
  protected killForTimeout(reason: string): void {
    if (!this.host?.alive) return;
    this.counters.flushTimeouts++;
    this.host.kill(reason);
  }

  // --- the child's life ----------------------------------------------------

  private async launch(): Promise<number> {
    const { spec } = this;
    const host = new PluginHostProcess(this.name, 'instance', {
      log: (level, plugin, file, line, message) => spec.routes.log(this.id, level, plugin, file, line, message),
      chunk: (data, events, format, failure) => this.onChunk?.(data, events, format, failure),
      stats: (stats) => this.onStats?.(stats),
    });
    this.host = host;
    void host.exited.then((exit) => this.onExit(host, exit));
    const loaded = await host.load(spec.path);
    if (!loaded.ok) {
      const error = new Error(loaded.dlerror ? `dlopen failed: ${loaded.dlerror}` : loaded.message) as Error & { phase?: string };
      error.phase = loaded.phase;
      throw error;
    }
    await host.request(FRAME.create, (frame) => {
      frame.u8(spec.type).string(this.name).i32(this.logLevel).i32(spec.workers ?? 1);
      frame.u64(spec.intervalNs ?? 1e9).u64(spec.bufferLimit ?? 0).u64(spec.mergeLimit ?? 0).u32(spec.properties.length);
      for (const [key, value] of spec.properties) frame.string(key).string(value);
    });
    const code = (await host.request(FRAME.start)) as number;
    this.unread = host.takeUnread();
    return code;
  }

  private onExit(host: PluginHostProcess, exit: HostExit): void {
    if (host !== this.host) return;
    if (this.state === 'starting' || this.state === 'closing' || this.state === 'closed' || this.state === 'failed') return;
    this.host = undefined;
    if (!exit.killedBecause) this.counters.crashes++;
    const decision = this.policy.failed();
    const what = `${KIND_NAMES[this.spec.type]} plugin '${this.spec.plugin}' (instance ${this.name}, pid ${host.pid})`;
    const fields = { pid: host.pid, exitCode: exit.code, signal: exit.signal, stderr: exit.stderr };
    const said = stderrSuffix(exit, 'its last lines on stderr');
    const verb = exit.killedBecause ? 'was killed' : 'crashed';
    if (decision.giveUp) {
      this.onLost();
      this.fail(
        new Error(`${what} ${verb} (${describeExit(exit)}): ${decision.inWindow} failures within ${CRASH_WINDOW_MS / 1000} s, the instance is given up${said}`),
        fields,
      );
      return;
    }
    this.logger.error(
      fields,
      `${what} ${verb} (${describeExit(exit)}); restarting it in ${decision.delayMs / 1000} s (failure ${decision.inWindow} of ${CRASH_LIMIT} allowed within ${CRASH_WINDOW_MS / 1000} s)${said}`,
    );
    this.onLost();
    this.state = 'restarting';
    this.restartTimer = setTimeout(() => void this.restart(), decision.delayMs);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'restarting') return;
    let code: number;
    const bound = setTimeout(() => this.host?.kill(`it did not start within ${RESTART_START_TIMEOUT_MS / 1000} s`), RESTART_START_TIMEOUT_MS);
    try {
      this.launching = this.launch();
      code = (await this.launching) as number;
    } catch (error) {
      // A child that died again is handled by its exit; anything else ends it.
      if (!(error instanceof HostExitedError)) {
        this.host?.kill('its restart failed');
        this.host = undefined;
        this.fail(new Error(`${this.name}: cannot restart: ${(error as Error).message}`));
      }
      return;
    } finally {
      clearTimeout(bound);
      this.launching = undefined;
    }
    if (this.state !== 'restarting') return;
    if (code <= 0) {
      this.host?.end();
      this.host = undefined;
      this.fail(new Error(`${this.name}: FLBPluginInit returned ${code} when the instance was restarted; it is given up`));
      return;
    }
    this.counters.restarts++;
    this.state = 'running';
    this.logger.info({ pid: this.host?.pid, restarts: this.counters.restarts }, `${this.name}: restarted in a new process`);
    this.onReady();
    this.updateReferenced();
  }

  private fail(error: Error, fields: object = {}): void {
    this.state = 'failed';
    this.failure = error;
    this.logger.error(fields, error.message);
    this.onFailed(error);
  }

  private startCrashError(exit: HostExit): Error {
    const said = stderrSuffix(exit, 'its last lines on stderr');
    const error = new Error(`the plugin's process ended while it was starting (${describeExit(exit)})${said}`) as Error & { phase?: string };
    error.phase = 'init';
    return error;
  }
}
