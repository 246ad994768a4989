/**
 * Each configured instance → its resolved spec: plugin found, properties
 * split into the plugin's and the host's, every host setting parsed once,
 * unknown keys refused. Errors start with the file:line of the key when the
 * config file gave one, else of the instance.
 */
import { ConfigError } from '../errors.js';
import type { EventFormat } from '../events/chunk.js';
import { parseLogLevel, type LogLevelName } from '../logging.js';
import type { CustomConfig, InputConfig, OutputConfig } from './config.js';
import type { PluginTraits } from '../engine/plugin-api.js';
import { closestWords } from './closest.js';
import { prepareProperties, type PluginKind } from './properties.js';
import type { CustomSpec, InputSpec, OutputSpec } from './specs.js';
import { FALSE_WORDS, parseBoolean, parseInteger, parseMilliseconds, parseRetryLimit, parseSeconds, parseSize } from './values.js';
import type { Isolation } from './config.js';

/** Native threads per output instance: one flush in flight each. */
export const MAX_WORKERS = 64;

export const INSTANCE_DEFAULTS = {
  retryLimit: 1,
  workers: 1,
  queueLimit: 64 * 1024 * 1024,
  interval: 1000,
  eventFormat: 'v1' as EventFormat,
  // For plugins with a garbage collector (Go; PluginTraits.garbageCollected).
  // out_gtagcount decodes 8 MB flushes 5-31 % faster than 2 MB ones (its GC
  // runs a quarter as often) and 16 MB ones no faster than 8 MB. Others get
  // 0: merging copies each chunk once more, which cost the C out_count ~8 %
  // (native/output_instance.h).
  flushMergeLimit: 8 * 1024 * 1024,
} as const;

/** The largest Flush_Merge_Limit: well under the C int a flush's length is in fluent-bit-go (proxy/output.ts MAX_CHUNK_BYTES). */
export const MAX_FLUSH_MERGE_LIMIT = 1024 * 1024 * 1024;

/** A plugin as the plan sees it: its name and what it declares about itself. */
export interface PlannedPlugin extends PluginTraits {
  readonly kind: PluginKind;
  readonly name: string;
}

/** State shared by the instances of one plan: names given, single-instance plugins used, warnings. */
export class PlanContext {
  readonly warnings: string[] = [];
  private readonly counters = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly singles = new Map<string, string>();

  /**
   * numberInstances false: a lone instance of the library API, which the
   * addon names itself, process-wide; its messages name the plugin.
   */
  constructor(private readonly options: { numberInstances: boolean; storagePath?: string } = { numberInstances: true }) {}

  /** The service's storage.path, which filesystem inputs need. */
  get storagePath(): string | undefined {
    return this.options.storagePath;
  }

  /** The Alias, or "<plugin>.<N>" numbered per plugin as Fluent Bit does; a name used twice is refused. */
  name(plugin: string, alias: string | undefined, source: string): string {
    if (!this.options.numberInstances) return alias || plugin;
    let name = alias;
    if (name === undefined || name === '') {
      const n = this.counters.get(plugin) ?? 0;
      this.counters.set(plugin, n + 1);
      name = `${plugin}.${n}`;
    }
    const first = this.names.get(name);
    if (first !== undefined) throw new ConfigError(`${source}: instance name '${name}' is already used (${first}); give each instance its own Alias`);
    this.names.set(name, source);
    return name;
  }

  /** Instances in flbhost's own process only: an isolated one has a process of its own. */
  single(plugin: PlannedPlugin, source: string): void {
    if (!plugin.singleInstance) return;
    const first = this.singles.get(plugin.name);
    if (first !== undefined) throw new ConfigError(`${source}: a second instance of '${plugin.name}' (the first is at ${first}): ${plugin.singleInstance}`);
    this.singles.set(plugin.name, source);
  }
}

interface Common {
  source: string;
  name: string;
  properties: Array<[string, string]>;
  logLevel?: LogLevelName;
  isolation: Isolation;
  /** A reserved key's value (typed field first, then the key), and where to point an error about it. */
  setting(field: unknown, key: string): { value: string | number; where: string } | undefined;
}

type AnyConfig = InputConfig | OutputConfig | CustomConfig;

function common(kind: PluginKind, config: AnyConfig, plugin: PlannedPlugin, fallbackSource: string, ctx: PlanContext): Common {
  const source = config.source ?? fallbackSource;
  const keySource = (position: number | undefined) =>
    (position !== undefined ? config.propertySources?.[position] : undefined) ?? source;
  const prepared = prepareProperties(kind, config.properties, {
    expand: config.expandEnv,
    onMissingEnv: (variable) => ctx.warnings.push(`${source}: environment variable \${${variable}} is not set; it expands to nothing`),
  });
  const reservedEntry = (key: string) => prepared.reserved.find(([k]) => k.toLowerCase() === key);
  const reserved = (key: string) => reservedEntry(key)?.[1];
  if (plugin.unusable) throw new ConfigError(`${source}: ${plugin.name}: ${plugin.unusable}`);
  const alias = config.alias ?? reserved('alias');
  const name = ctx.name(plugin.name, alias, source);
  // Messages name a key as it was written (Workers, not workers).
  const where = (key: string) => `${keySource(prepared.positions.get(key))}: ${name}: ${reservedEntry(key)?.[0] ?? key}`;
  const isolation = parseIsolation(config.isolation, reserved('isolation'), plugin, config.isolation !== undefined ? `${source}: ${name}: isolation` : where('isolation'));
  if (isolation === 'none') ctx.single(plugin, source);
  if (plugin.keys) {
    const known = plugin.keys.map((key) => key.toLowerCase());
    for (const [key] of prepared.visible) {
      if (known.includes(key.toLowerCase())) continue;
      const near = closestWords(key, plugin.keys);
      throw new ConfigError(
        `${keySource(prepared.positions.get(key.toLowerCase()))}: ${name}: unknown property '${key}'` +
          (near.length > 0 ? `; did you mean ${near.map((k) => `'${k}'`).join(' or ')}?` : '') +
          ` (${plugin.name} takes: ${plugin.keys.join(', ') || 'no properties'})`,
      );
    }
  }
  const setting = (field: unknown, key: string) => {
    if (field !== undefined && field !== null) return { value: field as string | number, where: `${source}: ${name}: ${key}` };
    const value = reserved(key);
    return value === undefined ? undefined : { value, where: where(key) };
  };
  const level = setting(config.logLevel, 'log_level');
  const logLevel = level === undefined ? undefined : parseLogLevel(String(level.value), level.where);
  return { source, name, properties: prepared.visible, logLevel, isolation, setting };
}

/** `storage.type memory|filesystem`; filesystem needs the service's storage.path. */
function parseStorageType(setting: { value: string | number; where: string } | undefined, ctx: PlanContext): 'memory' | 'filesystem' {
  if (setting === undefined) return 'memory';
  const value = String(setting.value).trim().toLowerCase();
  if (value === 'memrb') throw new ConfigError(`${setting.where}: 'memrb' (a ring buffer that drops the oldest chunks) is not supported by flbhost; use memory or filesystem`);
  if (value !== 'memory' && value !== 'filesystem') throw new ConfigError(`${setting.where}: must be 'memory' or 'filesystem'; got '${setting.value}'`);
  if (value === 'filesystem' && ctx.storagePath === undefined) {
    throw new ConfigError(`${setting.where}: filesystem storage needs a directory: set storage.path in [SERVICE] (nothing would be stored otherwise)`);
  }
  return value;
}

/** The longest timer Node keeps (2^31 - 1 ms); a longer one fires at once. */
const MAX_FLUSH_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Flush_Timeout: seconds, 0 for none, at most about 24 days. */
function parseFlushTimeout(value: string | number, where: string): number {
  const seconds = parseSeconds(value, where);
  if (seconds > MAX_FLUSH_TIMEOUT_SECONDS) throw new ConfigError(`${where}: at most ${MAX_FLUSH_TIMEOUT_SECONDS} seconds (0: no limit); got ${value}`);
  return seconds;
}

/** `Isolation none|process`: only a .so can run in a child process. */
function parseIsolation(field: Isolation | undefined, key: string | undefined, plugin: PlannedPlugin, where: string): Isolation {
  const value = (field ?? key ?? 'none').toLowerCase();
  if (value !== 'none' && value !== 'process') throw new ConfigError(`${where}: must be 'none' or 'process'; got '${field ?? key}'`);
  if (value === 'process' && !plugin.isolatable) {
    throw new ConfigError(`${where}: '${plugin.name}' is not a .so plugin; only .so plugins can run in a child process`);
  }
  return value;
}

export function planOutput(config: OutputConfig, plugin: PlannedPlugin, fallbackSource: string, ctx: PlanContext): OutputSpec {
  const c = common('output', config, plugin, fallbackSource, ctx);
  const workers = c.setting(config.workers, 'workers');
  const retryLimit = c.setting(config.retryLimit, 'retry_limit');
  const queueLimit = c.setting(config.queueLimit, 'storage.total_limit_size');
  const match = c.setting(config.match, 'match');
  const matchRegex = c.setting(config.matchRegex, 'match_regex');
  const flushTimeout = c.setting(config.flushTimeout, 'flush_timeout');
  const flushMergeLimit = c.setting(config.flushMergeLimit, 'flush_merge_limit');
  if (matchRegex !== undefined) {
    try {
      new RegExp(String(matchRegex.value));
    } catch (error) {
      throw new ConfigError(`${matchRegex.where}: ${(error as Error).message}`);
    }
  }
  const configured = config.eventFormat ?? INSTANCE_DEFAULTS.eventFormat;
  if (configured !== 'v1' && configured !== 'v2') {
    throw new ConfigError(`${c.source}: ${c.name}: eventFormat must be 'v1' or 'v2'; got ${String(configured)}`);
  }
  let eventFormat: EventFormat = configured;
  if (plugin.eventFormats && !plugin.eventFormats.includes(configured)) {
    eventFormat = plugin.eventFormats[0]!;
    ctx.warnings.push(`${c.source}: ${c.name}: ${plugin.name} cannot decode ${configured} events: sending ${eventFormat}${configured === 'v2' ? ' (event metadata is dropped)' : ''}`);
  }
  return {
    kind: 'output',
    plugin: plugin.name,
    name: c.name,
    source: c.source,
    properties: c.properties,
    logLevel: c.logLevel,
    workers: workers === undefined ? INSTANCE_DEFAULTS.workers : parseInteger(workers.value, workers.where, 1, MAX_WORKERS),
    retryLimit: retryLimit === undefined ? INSTANCE_DEFAULTS.retryLimit : parseRetryLimit(retryLimit.value, retryLimit.where),
    queueLimit: queueLimit === undefined ? INSTANCE_DEFAULTS.queueLimit : parseSize(queueLimit.value, queueLimit.where),
    totalLimitSize: queueLimit === undefined ? undefined : parseSize(queueLimit.value, queueLimit.where),
    eventFormat,
    flushTimeout: flushTimeout === undefined ? 0 : parseFlushTimeout(flushTimeout.value, flushTimeout.where),
    flushMergeLimit:
      flushMergeLimit !== undefined
        ? parseMergeLimit(flushMergeLimit.value, flushMergeLimit.where)
        : plugin.garbageCollected === true
          ? INSTANCE_DEFAULTS.flushMergeLimit
          : 0,
    isolation: c.isolation,
    match: match === undefined ? undefined : String(match.value),
    matchRegex: matchRegex === undefined ? undefined : String(matchRegex.value),
  };
}

export function planInput(config: InputConfig, plugin: PlannedPlugin, fallbackSource: string, ctx: PlanContext): InputSpec {
  const c = common('input', config, plugin, fallbackSource, ctx);
  const tag = c.setting(config.tag, 'tag');
  const memBufLimit = c.setting(config.memBufLimit, 'mem_buf_limit');
  const storageType = parseStorageType(c.setting(config.storageType, 'storage.type'), ctx);
  const pauseOnOverlimit = c.setting(undefined, 'storage.pause_on_chunks_overlimit');
  if (pauseOnOverlimit !== undefined && parseBoolean(String(pauseOnOverlimit.value), pauseOnOverlimit.where)) {
    ctx.warnings.push(`${pauseOnOverlimit.where}: not supported by flbhost; a filesystem input is paused by its Mem_Buf_Limit and its outputs' queue limits instead`);
  }
  const interval = parseMilliseconds(config.interval ?? INSTANCE_DEFAULTS.interval, `${c.source}: ${c.name}: interval`);
  return {
    kind: 'input',
    plugin: plugin.name,
    name: c.name,
    source: c.source,
    properties: c.properties,
    logLevel: c.logLevel,
    tag: tag === undefined || tag.value === '' ? c.name : String(tag.value),
    memBufLimit: memBufLimit === undefined ? 0 : parseSize(memBufLimit.value, memBufLimit.where),
    interval,
    isolation: c.isolation,
    storageType,
  };
}

export function planCustom(config: CustomConfig, plugin: PlannedPlugin, fallbackSource: string, ctx: PlanContext): CustomSpec {
  const c = common('custom', config, plugin, fallbackSource, ctx);
  return { kind: 'custom', plugin: plugin.name, name: c.name, source: c.source, properties: c.properties, logLevel: c.logLevel, isolation: c.isolation };
}

/** Flush_Merge_Limit: a size (8M, 4194304), or 0 / off (any false word) for one chunk per flush. */
function parseMergeLimit(value: string | number, where: string): number {
  if (typeof value === 'string' && FALSE_WORDS.includes(value.trim().toLowerCase())) return 0;
  const bytes = parseSize(value, where);
  if (bytes > MAX_FLUSH_MERGE_LIMIT) {
    throw new ConfigError(`${where}: ${bytes} bytes is more than a flush can carry (at most ${MAX_FLUSH_MERGE_LIMIT}, 1G)`);
  }
  return bytes;
}
