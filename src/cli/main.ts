/**
 * The flbhost command: Fluent Bit's command line (run a pipeline from a
 * config file and/or flags) plus `flbhost inspect PLUGIN.so` and
 * `flbhost plugins ...` (plugin management: plugins.ts).
 *
 * Exit codes: 0 success; 1 a plugin or the configuration failed (at load,
 * init, or in --dry-run), or a stop signal made it exit at once (a second
 * one during the graceful stop, or one before the pipeline started:
 * signals.ts); 2 the command line itself is wrong; 3 stopped with records
 * that could not be delivered within the Grace period.
 */
import { pino } from 'pino';
import { FlbhostError } from '../errors.js';
import { FLBHOST_VERSION } from '../package-root.js';
import { formatInspectReport, inspectPlugin } from '../proxy/inspect.js';
import { parseArgs, UsageError } from './args.js';
import { pluginsCommand } from './plugins.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCommand } from './run.js';

export { EXIT_FAILURE, EXIT_OK, EXIT_UNDELIVERED, EXIT_USAGE } from './run.js';

const USAGE = `Usage: flbhost [OPTIONS]
       flbhost inspect PLUGIN.so [--json]
       flbhost plugins list|describe NAME|install PATH|delete NAME (--dir DIR | --url URL)

Runs Fluent Bit proxy plugins (Go or C .so files) in pipelines, with
Fluent Bit's command line and config formats.

Options (as Fluent Bit spells them):
  -c, --config=FILE      configuration file (classic .conf, or .yaml/.yml)
  -e, --plugin=FILE      load a plugin .so (repeatable)
  -i, --input=NAME       add an input (built-ins: dummy, stdin, lib; or a loaded plugin)
  -o, --output=NAME      add an output (built-ins: stdout, null, file; or a loaded plugin)
  -p, --prop=KEY=VALUE   set a property of the last -i or -o
  -m, --match=PATTERN    Match of the last -o (default *)
  -t, --tag=TAG          Tag of the last -i
  -f, --flush=SECONDS    flush interval (default 1)
  -v, --verbose          debug logging; -vv for trace
  -q, --quiet            errors only
  -D, --dry-run          load and register every plugin and check the whole
                         configuration, initialise nothing, exit 0 or 1
  -h, --help             this text
  -V, --version          print the version

Commands:
  inspect PLUGIN.so      print a plugin's name, type, description, exported
                         FLBPlugin* symbols and Go build information (--json)
  plugins list           the plugins in a plugin directory (--dir DIR) or of a
                         running flbhost (--url URL): id, name, kind, version,
                         instances (--json)
  plugins describe NAME  one plugin, with what inspect shows (NAME: an id such
                         as out_loki@v2.9.1, or a registered name)
  plugins install PATH   probe a .so in a child process, then install it as
                         NAME@VERSION.so (--name N, --version V; with --url the
                         file is uploaded; token: --token or FLBHOST_HTTP_TOKEN)
  plugins delete NAME    delete an installed plugin (refused while in use)

flbhost runs until SIGTERM, SIGINT or SIGQUIT (or until every input has
finished, e.g. stdin at EOF), then stops gracefully: pending data gets the
Grace period (default 5 s). A second stop signal (another one, or the same
one more than a second later) exits at once and says what each output was
still owed. SIGHUP reloads the configuration when [SERVICE] Hot_Reload is
On (as POST /api/v2/reload does) and is logged and ignored otherwise;
SIGUSR1 and SIGUSR2 are logged and ignored.

Exit codes: 0 success; 1 a plugin or the configuration failed, or a second
stop signal; 2 bad command line; 3 stopped with records that could not be
delivered within Grace.`;

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

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'inspect') return inspectCommand(argv.slice(1));
  if (argv[0] === 'plugins') return pluginsCommand(argv.slice(1));
  if (argv.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`flbhost: ${error.message}\n(flbhost --help lists the options)\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (args.version) {
    process.stdout.write(`flbhost v${FLBHOST_VERSION}\n`);
    return EXIT_OK;
  }
  return runCommand(args);
}
