/**
 * Loading a plugin .so: checks that explain the common failures in plain
 * words before dlopen is tried, then the native load (dlopen + Register on a
 * native thread), then a typed handle.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PluginError } from '../errors.js';
import { getDefaultLogger, type HostLogger } from '../logging.js';
import { PLUGIN_TYPE, type NativeError, type NativeLibrary } from '../native.js';
import type { Backend } from '../backend/backend.js';
import { inProcessBackend } from '../backend/in-process.js';
import { childProcessBackend } from '../backend/child-process.js';
import { elfArchName, hostElfMachine, readElfInfo } from './elf.js';
import { GO_BUILDINFO_SECTION, parseGoBuildInfo, type GoBuildInfo } from './go-buildinfo.js';
import { createCustomInstance, type CustomInstance, type CustomOptions } from './custom.js';
import { createInputInstance, type InputInstance, type InputOptions } from './input.js';
import { createOutputInstance, startOutputInstance, type OutputInstance, type OutputOptions, type ResolvedOutput } from './output.js';
import type { PluginTraits } from '../engine/plugin-api.js';
import type { PluginKind } from '../plan/properties.js';

export interface LoadOptions {
  /** Logger for this plugin's log lines and flbhost's own; defaults to pino on stderr. */
  logger?: HostLogger;
  /**
   * 'process': every instance of the library runs in a child process of its
   * own, restarted if it crashes (see README "Isolation"); flbhost itself
   * never loads the .so. Default 'none': instances run on threads of this
   * process. Either way the .so is first loaded and registered in a probe
   * process, so that a crash while loading is an error, not the end of this
   * process.
   */
  isolation?: 'none' | 'process';
  /** What runs the plugin's code (overrides `isolation`). */
  backend?: Backend;
}

/** Every FLBPlugin* entry point the host looks for. */
export const PROXY_SYMBOLS = [
  'FLBPluginPreRegister',
  'FLBPluginRegister',
  'FLBPluginUnregister',
  'FLBPluginInit',
  'FLBPluginExit',
  'FLBPluginFlush',
  'FLBPluginFlushCtx',
  'FLBPluginExitCtx',
  'FLBPluginOutputPreRun',
  'FLBPluginOutputPreExit',
  'FLBPluginInputCallback',
  'FLBPluginInputCallbackCtx',
  'FLBPluginInputCleanupCallback',
  'FLBPluginInputCleanupCallbackCtx',
  'FLBPluginInputPreRun',
  'FLBPluginInputPause',
  'FLBPluginInputResume',
  'FLBPluginInputPreExit',
] as const;

const KIND_BY_TYPE: Record<number, PluginKind> = {
  [PLUGIN_TYPE.input]: 'input',
  [PLUGIN_TYPE.output]: 'output',
  [PLUGIN_TYPE.custom]: 'custom',
};

/** A loaded plugin library. Instances are created from it. */
export class PluginLibrary {
  /** The path as given. */
  readonly path: string;
  /** The real path the process-wide registry keys it by. */
  readonly realPath: string;
  readonly name: string;
  readonly kind: PluginKind;
  readonly description: string;
  readonly flags: number;
  /** Output event-type bitmask from the def (0 = logs). */
  readonly eventType: number;
  /** FLBPlugin* symbols the .so exports. */
  readonly exports: readonly string[];
  /** Go toolchain and module versions, when the .so is a Go binary. */
  readonly go: GoBuildInfo | null;
  /**
   * The Go library it was written with, from its build information:
   * 'calyptia' (github.com/calyptia/plugin: one instance per process, v1
   * events only, needs a metrics context), 'fluent-bit-go', or undefined.
   */
  readonly framework?: 'calyptia' | 'fluent-bit-go';
  readonly logger: HostLogger;
  /** What the plan needs to know before creating an instance (see PluginTraits). */
  readonly traits: PluginTraits;

  /** @internal */
  readonly native: NativeLibrary;
  /** @internal what runs the plugin's code, and routes what its instances produce */
  readonly backend: Backend;

  /** @internal use loadPlugin() */
  constructor(path: string, native: NativeLibrary, go: GoBuildInfo | null, logger: HostLogger, backend: Backend) {
    const info = native.info();
    this.path = path;
    this.realPath = info.path;
    this.name = info.name;
    this.kind = KIND_BY_TYPE[info.type]!;
    this.description = info.description;
    this.flags = info.flags;
    this.eventType = info.eventType;
    this.exports = info.exports;
    this.go = go;
    this.framework = frameworkOf(go);
    this.native = native;
    this.backend = backend;
    this.logger = logger.child({ plugin: info.name });
    this.traits = traitsOf(this);
  }

  /** Creates and initialises an output instance (FLBPluginInit, then PreRun). */
  createOutput(options: OutputOptions = {}): Promise<OutputInstance> {
    return this.checkKind('output') ?? createOutputInstance(this, options);
  }

  /** @internal An output whose settings a plan resolved already: nothing is checked again. */
  startOutput(spec: ResolvedOutput): Promise<OutputInstance> {
    return this.checkKind('output') ?? startOutputInstance(this, spec);
  }

  /** Creates an input instance and starts its thread (Init, PreRun, then polling). */
  createInput(options: InputOptions = {}): Promise<InputInstance> {
    return this.checkKind('input') ?? createInputInstance(this, options);
  }

  /** Creates and initialises a custom instance (FLBPluginInit). */
  createCustom(options: CustomOptions = {}): Promise<CustomInstance> {
    return this.checkKind('custom') ?? createCustomInstance(this, options);
  }

  /** Instances of this .so alive now, in the whole process (all worker_threads). */
  get liveInstances(): number {
    return this.native.info().liveInstances;
  }

  private checkKind(kind: PluginKind): Promise<never> | undefined {
    if (this.kind === kind) return this.checkSingleInstance();
    const withArticle = (word: string) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
    return Promise.reject(
      new PluginError(`${this.path}: '${this.name}' is ${withArticle(this.kind)} plugin, not ${withArticle(kind)}`, {
        phase: 'init',
        path: this.path,
        plugin: this.name,
      }),
    );
  }

  /** A plugin whose state is global (calyptia/plugin): one live instance per process. */
  private checkSingleInstance(): Promise<never> | undefined {
    if (this.traits.singleInstance === undefined || this.liveInstances === 0) return undefined;
    return Promise.reject(
      new PluginError(`${this.path}: '${this.name}': ${this.traits.singleInstance}`, { phase: 'init', path: this.path, plugin: this.name }),
    );
  }
}

/** calyptia/plugin keeps all plugin state in package globals, and its decoder refuses v2 events. */
const CALYPTIA_SINGLE =
  'it is a calyptia/plugin plugin, which keeps its configuration and state in package globals: ' +
  'a second instance would silently share and overwrite the first one’s, so flbhost runs one instance of it per process';

function traitsOf(library: PluginLibrary): PluginTraits {
  const calyptia = library.framework === 'calyptia';
  return {
    singleInstance: calyptia ? CALYPTIA_SINGLE : undefined,
    eventFormats: calyptia && library.kind === 'output' ? ['v1'] : undefined,
    unusable: library.kind === 'output' ? eventTypeProblem(library.eventType) : undefined,
    isolatable: true,
    garbageCollected: library.go !== null,
  };
}

/** event_type 0 means logs; a plugin that takes only metrics or traces would be handed log chunks it cannot read. */
function eventTypeProblem(eventType: number): string | undefined {
  if (eventType === 0 || (eventType & 1) !== 0) return undefined;
  const names = [
    [2, 'metrics'],
    [4, 'traces'],
    [8, 'blobs'],
    [16, 'profiles'],
  ] as const;
  const named = names.filter(([bit]) => (eventType & bit) !== 0).map(([, name]) => name).join(', ') || 'unknown';
  return `registered for event type ${eventType} (${named}), not logs; flbhost delivers logs only`;
}

function frameworkOf(go: GoBuildInfo | null): 'calyptia' | 'fluent-bit-go' | undefined {
  const deps = go?.deps.map((dep) => dep.path) ?? [];
  if (deps.includes('github.com/calyptia/plugin')) return 'calyptia';
  if (deps.includes('github.com/fluent/fluent-bit-go')) return 'fluent-bit-go';
  return undefined;
}

function loadError(path: string, message: string, phase: 'load' | 'register' = 'load', dlerror?: string): PluginError {
  return new PluginError(`cannot load plugin ${path}: ${message}`, { phase, path, dlerror });
}

/** Words of advice for dlopen failures whose dlerror text alone puzzles people. */
function hintFor(dlerror: string): string {
  if (/static TLS/i.test(dlerror)) {
    return (
      '\n  hint: the plugin uses initial-exec thread-local storage and the process has no static TLS room left' +
      ' (Go plugins always do). Load it earlier, load fewer such libraries, or start Node with' +
      ' GLIBC_TUNABLES=glibc.rtld.optional_static_tls=<bytes>.'
    );
  }
  if (/initial-exec TLS resolves to dynamic definition|Error relocating/i.test(dlerror)) {
    return '\n  hint: this looks like musl (Alpine): Go c-shared plugins only load under glibc.';
  }
  return '';
}

/** Preflight: explain what dlopen would only say tersely. Returns the Go build info if any. */
async function checkFile(path: string): Promise<GoBuildInfo | null> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw loadError(path, 'not a regular file');
  } catch (error) {
    if (error instanceof PluginError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw loadError(path, code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  if (basename(path).startsWith('flb-')) {
    throw loadError(
      path,
      "files named 'flb-*' are Fluent Bit native C DSO plugins, a different ABI that flbhost does not load (it loads proxy plugins: Go or C exporting FLBPluginRegister)",
    );
  }
  const elf = await readElfInfo(path);
  if (!elf.isElf) throw loadError(path, `not an ELF shared object (${elf.reason})`);
  if (elf.bits !== 64) throw loadError(path, 'a 32-bit ELF object; flbhost loads 64-bit plugins only');
  const expected = hostElfMachine();
  if (expected !== null && elf.machine !== expected) {
    throw loadError(
      path,
      `built for ${elf.arch} (ELF machine ${elf.machine}) but this Node runs on ${process.arch} (${elfArchName(expected, 64, 'little')}, ELF machine ${expected})`,
    );
  }
  const section = await elf.readSection(GO_BUILDINFO_SECTION);
  return section ? parseGoBuildInfo(section) : null;
}

/**
 * Loads a plugin .so (once per process: the same real path always returns the
 * same loaded library) and registers it.
 *
 * Rejects with a PluginError (phase 'load' or 'register') naming the file:
 * missing file, not ELF, wrong architecture, dlopen failures (dlerror text
 * passed on verbatim), missing symbols, a failed or unrecognised Register.
 */
export async function loadPlugin(path: string, options: LoadOptions = {}): Promise<PluginLibrary> {
  const logger = options.logger ?? getDefaultLogger();
  const go = await checkFile(path);
  const backend = options.backend ?? (options.isolation === 'process' ? childProcessBackend() : inProcessBackend());
  let native: NativeLibrary;
  try {
    native = await backend.loadLibrary(path, logger);
  } catch (error) {
    const e = error as NativeError;
    const phase = e.phase === 'register' ? 'register' : 'load';
    const message = e.dlerror ? `dlopen failed: ${e.dlerror}${hintFor(e.dlerror)}` : e.message;
    throw loadError(path, message, phase, e.dlerror);
  }
  const library = new PluginLibrary(path, native, go, logger, backend);
  // calyptia's Init fails on a NULL metrics context; only the plugin's own
  // cmetrics can make one whose layout its code expects.
  if (library.framework === 'calyptia' && !library.exports.includes('cmt_create')) {
    throw loadError(
      path,
      "a calyptia/plugin plugin needs a metrics context (its Init fails without one), but this .so exports no cmt_create to make one with its own cmetrics",
    );
  }
  return library;
}
