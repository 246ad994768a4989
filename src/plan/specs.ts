/**
 * Resolved instances: what the plan makes of a configuration, and all that
 * creating an instance needs. Nothing here is parsed or checked again.
 */
import type { EventFormat } from '../events/chunk.js';
import type { LogLevelName } from '../logging.js';
import type { ServiceSpec } from './service.js';
import type { Isolation } from './config.js';

interface InstanceSpecBase {
  /** The plugin's registered name, as the catalog knows it. */
  plugin: string;
  /** Instance name: the Alias, or "<plugin>.<N>". */
  name: string;
  /** Where it was configured ("fluent-bit.conf:12", "-o stdout (#1)", "outputs[0]"). */
  source: string;
  /** What the plugin reads, in order: reserved keys removed, ${VAR} expanded, empty values dropped. */
  properties: Array<[string, string]>;
  logLevel?: LogLevelName;
  /** Where the instance runs: in flbhost, or in a child process of its own. */
  isolation: Isolation;
}

export interface OutputSpec extends InstanceSpecBase {
  kind: 'output';
  workers: number;
  /** Re-tries after the first attempt; -1 unlimited. */
  retryLimit: number;
  /** Bytes held for this output at which its inputs are paused. */
  queueLimit: number;
  /**
   * storage.total_limit_size when it was set: for chunks of filesystem
   * inputs, the oldest waiting ones are dropped for this output to stay
   * under it, as Fluent Bit does (unset: nothing is dropped, inputs pause).
   */
  totalLimitSize?: number;
  eventFormat: EventFormat;
  /** Seconds a flush may take; 0 = no limit. */
  flushTimeout: number;
  /** Bytes of queued chunks one flush of a .so output may carry under a backlog; 0: one chunk per flush. */
  flushMergeLimit: number;
  match?: string;
  matchRegex?: string;
}

export interface InputSpec extends InstanceSpecBase {
  kind: 'input';
  tag: string;
  /** Bytes buffered in the engine at which the input is paused; 0 = no per-input limit. */
  memBufLimit: number;
  /** Milliseconds between collects. */
  interval: number;
  /** Where its chunks live: memory, or files under the service's storage.path. */
  storageType: 'memory' | 'filesystem';
}

export interface CustomSpec extends InstanceSpecBase {
  kind: 'custom';
}

export interface PipelinePlan {
  service: ServiceSpec;
  customs: CustomSpec[];
  outputs: OutputSpec[];
  inputs: InputSpec[];
  /** Worth telling the user; each starts with where it applies. The plan logs nothing itself. */
  warnings: string[];
}
