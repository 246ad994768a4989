/**
 * `flbhost plugins list|describe NAME|install PATH|delete NAME`: plugin
 * management, either on a plugin directory itself (`--dir DIR`: no server
 * needed, e.g. before the first start) or through a running flbhost's API
 * (`--url URL`, token from --token or FLBHOST_HTTP_TOKEN). Both run the
 * same operations (src/plugins/manager.ts) and print the same text, or the
 * API's JSON with --json.
 *
 * Exit codes as the rest of the command: 0 done, 1 refused or failed, 2 the
 * command line is wrong (including an unsafe name or version).
 */
import { basename } from 'node:path';
import { pino } from 'pino';
import { TOKEN_ENV } from '../http/auth.js';
import { formatDelete, formatEntry, formatInstall, formatList } from '../plugins/format.js';
import { RemotePluginManager } from '../plugins/http-client.js';
import { LocalPluginManager, type PluginManager } from '../plugins/manager.js';
import { checkPluginId, nameFromSourceFile, pluginFileName } from '../plugins/naming.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './run.js';

export const PLUGINS_USAGE = `Usage: flbhost plugins list             (--dir DIR | --url URL) [--json]
       flbhost plugins describe NAME    (--dir DIR | --url URL) [--json]
       flbhost plugins install PATH.so  (--dir DIR | --url URL) [--name N] [--version V] [--json]
       flbhost plugins delete NAME      (--dir DIR | --url URL) [--json]

  --dir DIR     work on the plugin directory itself (no server needed)
  --url URL     ask a running flbhost (http://127.0.0.1:2020); install
                uploads the file. Token: --token or ${TOKEN_ENV}
  --name N      installed name (default: the file's name without .so)
  --version V   installed version (default: an @version in the file's name,
                else the Go module's version, else sha256-<12 hex digits>)
NAME is an id such as out_loki@v2.9.1, or the name a plugin registers.`;

const VALUE_OPTIONS = new Set(['--dir', '--url', '--token', '--name', '--version']);

interface PluginsArgs {
  command: 'list' | 'describe' | 'install' | 'delete';
  operand?: string;
  options: Map<string, string>;
  json: boolean;
}

class UsageProblem extends Error {}

function parse(args: string[]): PluginsArgs {
  const [command, ...rest] = args;
  if (command !== 'list' && command !== 'describe' && command !== 'install' && command !== 'delete') {
    throw new UsageProblem(command === undefined ? 'expected list, describe, install or delete' : `unknown subcommand '${command}'`);
  }
  const options = new Map<string, string>();
  const operands: string[] = [];
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      operands.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (!VALUE_OPTIONS.has(key)) throw new UsageProblem(`unknown option ${key}`);
    const value = eq < 0 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageProblem(`${key} needs a value`);
    options.set(key, value);
  }
  const wanted = command === 'list' ? 0 : 1;
  if (operands.length !== wanted) {
    throw new UsageProblem(wanted === 0 ? `list takes no operand; got '${operands[0]}'` : `${command} takes exactly one ${command === 'install' ? 'PATH' : 'NAME'}`);
  }
  if (options.has('--dir') === options.has('--url')) throw new UsageProblem('give either --dir DIR or --url URL');
  if (command !== 'install' && (options.has('--name') || options.has('--version'))) throw new UsageProblem('--name and --version are for install');
  return { command, operand: operands[0], options, json };
}

/** Names checked here, before anything is done: an unsafe one is a command-line error. */
function checkNames(args: PluginsArgs): void {
  if (args.command === 'describe' || args.command === 'delete') checkPluginId(args.operand!);
  if (args.command === 'install') {
    const derived = nameFromSourceFile(basename(args.operand!));
    pluginFileName(args.options.get('--name') ?? derived.name, args.options.get('--version') ?? derived.version ?? 'v0');
  }
}

function managerFor(args: PluginsArgs): PluginManager {
  const url = args.options.get('--url');
  if (url !== undefined) return new RemotePluginManager(url, args.options.get('--token') ?? process.env[TOKEN_ENV]);
  // Plugin log lines (a probe's) and warnings go to stderr; stdout is the answer.
  const logger = pino({ name: 'flbhost', level: 'warn' }, pino.destination(2));
  return new LocalPluginManager({ dir: args.options.get('--dir')!, logger });
}

async function run(args: PluginsArgs, manager: PluginManager): Promise<string> {
  const print = (value: unknown, text: () => string): string => (args.json ? JSON.stringify(value, null, 2) : text());
  switch (args.command) {
    case 'list': {
      const list = await manager.list();
      return print(list, () => formatList(list));
    }
    case 'describe': {
      const entry = await manager.describe(args.operand!);
      return print(entry, () => formatEntry(entry));
    }
    case 'install': {
      const answer = await manager.install(args.operand!, { name: args.options.get('--name'), version: args.options.get('--version') });
      return print(answer, () => formatInstall(answer));
    }
    case 'delete': {
      const answer = await manager.remove(args.operand!);
      return print(answer, () => formatDelete(answer));
    }
  }
}

export async function pluginsCommand(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${PLUGINS_USAGE}\n`);
    return EXIT_OK;
  }
  let args: PluginsArgs;
  let manager: PluginManager;
  try {
    args = parse(argv);
    checkNames(args);
    manager = managerFor(args);
  } catch (error) {
    // Parsing, an unsafe name (PluginStoreError 400) or a malformed --url.
    if (error instanceof Error) {
      process.stderr.write(`flbhost plugins: ${error.message}\n${PLUGINS_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  try {
    process.stdout.write(`${await run(args, manager)}\n`);
    return EXIT_OK;
  } catch (error) {
    // A refusal (PluginStoreError here, ApiError from a server) or an I/O failure.
    if (error instanceof Error) {
      process.stderr.write(`flbhost plugins: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
