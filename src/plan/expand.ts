/**
 * Fluent Bit's `${NAME}` expansion, the one implementation used for config
 * files and for properties given to the library API alike.
 */

export type VariableLookup = Readonly<Record<string, string | undefined>>;

const VARIABLE = /\$\{([^}]*)\}/g;
const NO_VARIABLES: ReadonlyMap<string, string> = new Map();

/**
 * Replaces each `${NAME}`: config variables (@SET, YAML `env:`) first, then
 * the environment; unset expands to nothing (and is reported through
 * `onMissing`). `${NAME:-default}` takes `default` when NAME is unset or
 * empty, as Fluent Bit 4 does. Single-pass: a variable's value is not
 * expanded again.
 */
export function expandVariables(
  value: string,
  options: { variables?: ReadonlyMap<string, string>; env?: VariableLookup; onMissing?: (name: string) => void } = {},
): string {
  if (!value.includes('${')) return value;
  const variables = options.variables ?? NO_VARIABLES;
  const env = options.env ?? process.env;
  return value.replace(VARIABLE, (_, inner: string) => {
    const separator = inner.indexOf(':-');
    const name = separator >= 0 ? inner.slice(0, separator) : inner;
    const fallback = separator >= 0 ? inner.slice(separator + 2) : undefined;
    const found = variables.has(name) ? variables.get(name) : env[name];
    if (found !== undefined && !(fallback !== undefined && found === '')) return found;
    if (fallback !== undefined) return fallback;
    options.onMissing?.(name);
    return '';
  });
}
