/**
 * Fluent Bit's command line, as flbhost understands it:
 *   -c/--config FILE, -e/--plugin FILE (repeatable), -i/--input NAME,
 *   -o/--output NAME, -p/--prop KEY=VALUE (for the last -i or -o),
 *   -m/--match PATTERN (last -o), -t/--tag TAG (last -i), -f/--flush SECONDS,
 *   -v/-vv (debug/trace), -q (quiet), -D/--dry-run, -h/--help, -V/--version.
 * Values may follow as the next argument, after `=` (--config=FILE) or
 * attached to a short flag (-cFILE).
 */

export interface CliInstance {
  name: string;
  properties: Array<[string, string]>;
}

export interface CliArgs {
  config?: string;
  plugins: string[];
  inputs: Array<CliInstance & { tag?: string }>;
  outputs: Array<CliInstance & { match?: string }>;
  flush?: string;
  verbosity: number;
  quiet: boolean;
  dryRun: boolean;
  help: boolean;
  version: boolean;
}

/** A command line error: the message says which argument and why. */
export class UsageError extends Error {}

const WITH_VALUE: Record<string, string> = {
  '-c': 'config',
  '--config': 'config',
  '-e': 'plugin',
  '--plugin': 'plugin',
  '-i': 'input',
  '--input': 'input',
  '-o': 'output',
  '--output': 'output',
  '-p': 'prop',
  '--prop': 'prop',
  '-m': 'match',
  '--match': 'match',
  '-t': 'tag',
  '--tag': 'tag',
  '-f': 'flush',
  '--flush': 'flush',
};

const FLAGS: Record<string, string> = {
  '-v': 'verbose',
  '--verbose': 'verbose',
  '-q': 'quiet',
  '--quiet': 'quiet',
  '-D': 'dry-run',
  '--dry-run': 'dry-run',
  '-h': 'help',
  '--help': 'help',
  '-V': 'version',
  '--version': 'version',
};

/** Splits `--name=value` and `-xVALUE` into flag and value. */
function splitArgument(arg: string): [string, string | undefined] {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    return eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
  }
  if (arg.length > 2 && WITH_VALUE[arg.slice(0, 2)]) return [arg.slice(0, 2), arg.slice(2)];
  return [arg, undefined];
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { plugins: [], inputs: [], outputs: [], verbosity: 0, quiet: false, dryRun: false, help: false, version: false };
  let last: 'input' | 'output' | undefined;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    // -vv, -vvv: verbosity in one argument.
    if (/^-v{2,}$/.test(raw)) {
      args.verbosity += raw.length - 1;
      continue;
    }
    const [flag, attached] = splitArgument(raw);
    const boolean = FLAGS[flag];
    if (boolean) {
      if (boolean === 'verbose') args.verbosity++;
      else if (boolean === 'quiet') args.quiet = true;
      else if (boolean === 'dry-run') args.dryRun = true;
      else if (boolean === 'help') args.help = true;
      else args.version = true;
      continue;
    }
    const option = WITH_VALUE[flag];
    if (!option) throw new UsageError(`unknown option '${raw}'`);
    const value = attached ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    switch (option) {
      case 'config':
        args.config = value;
        break;
      case 'plugin':
        args.plugins.push(value);
        break;
      case 'input':
        args.inputs.push({ name: value, properties: [] });
        last = 'input';
        break;
      case 'output':
        args.outputs.push({ name: value, properties: [] });
        last = 'output';
        break;
      case 'prop': {
        const eq = value.indexOf('=');
        if (eq <= 0) throw new UsageError(`${flag} '${value}': expected KEY=VALUE`);
        const target = last === 'input' ? args.inputs.at(-1) : last === 'output' ? args.outputs.at(-1) : undefined;
        if (!target) throw new UsageError(`${flag} '${value}' must follow an -i or -o`);
        target.properties.push([value.slice(0, eq).trim(), value.slice(eq + 1)]);
        break;
      }
      case 'match': {
        const output = args.outputs.at(-1);
        if (!output) throw new UsageError(`${flag} '${value}' must follow an -o`);
        output.match = value;
        break;
      }
      case 'tag': {
        const input = args.inputs.at(-1);
        if (!input) throw new UsageError(`${flag} '${value}' must follow an -i`);
        input.tag = value;
        break;
      }
      default:
        args.flush = value;
    }
  }
  return args;
}
