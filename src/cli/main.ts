/**
 * The flbhost command. Exit codes: 0 success, 1 a plugin or config failed,
 * 2 the command line itself is wrong.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { FlbhostError } from '../errors.js';
import { formatInspectReport, inspectPlugin } from '../plugin/inspect.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage: flbhost inspect PLUGIN.so [--json]
       flbhost -h | --help
       flbhost -V | --version

Commands:
  inspect PLUGIN.so   load a Fluent Bit proxy plugin and print its name, type,
                      description, exported FLBPlugin* symbols and, for Go
                      plugins, the Go toolchain and module versions
                      (--json for machine-readable output)

Exit codes: 0 success, 1 the plugin failed to load, 2 bad command line.`;

function version(): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

async function inspectCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const paths = args.filter((arg) => arg !== '--json');
  const unknown = paths.find((arg) => arg.startsWith('-'));
  if (unknown || paths.length !== 1) {
    process.stderr.write(`flbhost inspect: ${unknown ? `unknown option ${unknown}` : 'expected exactly one PLUGIN.so'}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  // Plugin log lines go to stderr so stdout stays the report.
  const logger = pino({ name: 'flbhost', level: 'warn' }, pino.destination(2));
  try {
    const report = await inspectPlugin(paths[0]!, logger);
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspectReport(report)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof FlbhostError) {
      process.stderr.write(`flbhost: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}

export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === '-h' || first === '--help') {
    (first === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`flbhost v${version()}\n`);
    return EXIT_OK;
  }
  if (first === 'inspect') return inspectCommand(rest);
  process.stderr.write(`flbhost: unknown command or option '${first}'\n${USAGE}\n`);
  return EXIT_USAGE;
}
