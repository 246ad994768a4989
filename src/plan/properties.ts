/**
 * Instance properties as a plugin sees them through *_get_property: `${ENV}`
 * expanded, and the keys Fluent Bit keeps for itself removed (a plugin reads
 * NULL for them, exactly as under Fluent Bit, so e.g. `workers` or `match`
 * never leak into plugin config).
 */
import { ConfigError } from '../errors.js';
import { expandVariables, type VariableLookup } from './expand.js';

/** What users may pass: a plain object, or pairs when a key repeats. */
export type PropertiesInput =
  | Record<string, string | number | boolean>
  | Iterable<readonly [string, string | number | boolean]>;

/** Keys Fluent Bit consumes for every output instance (flb_output_set_property). */
const OUTPUT_RESERVED = new Set([
  'name',
  'match',
  'match_regex',
  'alias',
  'log_level',
  'log_suppress_interval',
  'host',
  'port',
  'ipv6',
  'retry_limit',
  'workers',
  'storage.total_limit_size',
  // flbhost's own (Fluent Bit has no such keys): where the plugin runs, how
  // long a flush may take (see src/isolation), and how many bytes of queued
  // chunks one flush may carry under a backlog (native/output_instance.h).
  'isolation',
  'flush_timeout',
  'flush_merge_limit',
]);
const OUTPUT_RESERVED_PREFIXES = ['net.', 'tls', 'oauth2'];

/** Keys Fluent Bit consumes for every input instance (flb_input_set_property). */
const INPUT_RESERVED = new Set([
  'name',
  'tag',
  'alias',
  'log_level',
  'log_suppress_interval',
  'host',
  'port',
  'listen',
  'ipv6',
  'mem_buf_limit',
  'routable',
  'storage.type',
  'storage.pause_on_chunks_overlimit',
  'threaded',
  'rate_window',
  'isolation',
]);
const INPUT_RESERVED_PREFIXES = ['thread.ring_buffer.', 'rate_gate', 'net.', 'tls', 'oauth2'];

const CUSTOM_RESERVED = new Set(['name', 'alias', 'log_level', 'isolation']);
const CUSTOM_RESERVED_PREFIXES = ['net.'];

export type PluginKind = 'input' | 'output' | 'custom';

/** True when Fluent Bit would keep `key` from a plugin of this kind. */
export function isReservedKey(kind: PluginKind, key: string): boolean {
  const k = key.toLowerCase();
  const [exact, prefixes] =
    kind === 'output'
      ? [OUTPUT_RESERVED, OUTPUT_RESERVED_PREFIXES]
      : kind === 'input'
        ? [INPUT_RESERVED, INPUT_RESERVED_PREFIXES]
        : [CUSTOM_RESERVED, CUSTOM_RESERVED_PREFIXES];
  return exact.has(k) || prefixes.some((prefix) => k.startsWith(prefix));
}

/**
 * `${NAME}` and `${NAME:-default}` in one value, from the environment (the
 * library API has no @SET variables); `onMissing` hears about unset names.
 */
export function expandEnv(
  value: string,
  env: VariableLookup = process.env,
  onMissing?: (name: string) => void,
): string {
  return expandVariables(value, { env, onMissing });
}

function entriesOf(input: PropertiesInput | undefined): Array<readonly [string, string | number | boolean]> {
  if (input === undefined) return [];
  if (Symbol.iterator in input) return [...(input as Iterable<readonly [string, string | number | boolean]>)];
  return Object.entries(input);
}

export interface PreparedProperties {
  /** What the plugin can read, in order. */
  visible: Array<[string, string]>;
  /** Reserved keys that were given (for the host to act on or ignore). */
  reserved: Array<[string, string]>;
  /** Position in the input of the first entry of each key (lower case), visible or reserved: where to point an error. */
  positions: Map<string, number>;
}

/**
 * Splits user properties into those the plugin sees and those the host keeps.
 * Values are stringified and env-expanded; a value that expands to nothing is
 * dropped, so the plugin reads NULL for it, as under Fluent Bit.
 */
export function prepareProperties(
  kind: PluginKind,
  input: PropertiesInput | undefined,
  options: {
    env?: VariableLookup;
    onMissingEnv?: (name: string) => void;
    /** false when the values were expanded already (by a pipeline). */
    expand?: boolean;
  } = {},
): PreparedProperties {
  const visible: Array<[string, string]> = [];
  const reserved: Array<[string, string]> = [];
  const positions = new Map<string, number>();
  for (const [position, [key, raw]] of entriesOf(input).entries()) {
    if (typeof key !== 'string' || key.length === 0) {
      throw new ConfigError(`property keys must be non-empty strings; got ${JSON.stringify(key)}`);
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw new ConfigError(`property '${key}' must be a string, number or boolean; got ${raw === null ? 'null' : typeof raw}`);
    }
    if (!positions.has(key.toLowerCase())) positions.set(key.toLowerCase(), position);
    const value = options.expand === false ? String(raw) : expandEnv(String(raw), options.env, options.onMissingEnv);
    if (isReservedKey(kind, key)) {
      reserved.push([key, value]);
    } else if (value !== '') {
      visible.push([key, value]);
    }
  }
  return { visible, reserved, positions };
}
