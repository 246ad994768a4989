// Builds the native binaries from source with cmake-js against the
// node-api-headers package: no Node headers are downloaded, so it works with
// nothing but the package registry.
//
//   node scripts/build-native.mjs            the addon and the plugin host into
//                                            build/Release/ (in a checkout, also
//                                            the C plugins and the benchmark
//                                            harness: see CMakeLists.txt)
//
// scripts/prebuild.mjs and scripts/install.mjs use the functions below.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function firstLine(command) {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split('\n')[0] : undefined;
}

/**
 * What building from source needs and this machine lacks, each as one
 * phrase ([] when nothing is missing).
 */
export function missingBuildTools() {
  const missing = [];
  if (process.platform !== 'linux') {
    return [`Linux (this is ${process.platform}: Fluent Bit proxy plugins are Linux .so files)`];
  }
  const cmake = firstLine('cmake');
  if (!cmake) missing.push('cmake (>= 3.15)');
  else {
    const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(cmake) ?? []).slice(1).map(Number);
    if (major < 3 || (major === 3 && minor < 15)) missing.push(`cmake >= 3.15 (found: ${cmake})`);
  }
  if (!firstLine('cc')) missing.push('a C compiler (cc)');
  if (!firstLine('c++')) missing.push('a C++ compiler (c++)');
  if (!firstLine('make') && !firstLine('ninja')) missing.push('make (or ninja)');
  return missing;
}

export function toolsMessage(missing) {
  return (
    `  missing: ${missing.join('; ')}.\n` +
    `  On Debian/Ubuntu: apt-get install cmake build-essential; on Fedora/RHEL: dnf install cmake gcc gcc-c++ make.`
  );
}

/** Runs cmake-js with `args` in the package root; returns its exit status. */
export function cmakeJs(args) {
  const cli = require.resolve('cmake-js/bin/cmake-js');
  const result = spawnSync(process.execPath, [cli, ...args, '--parallel', '2', '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

/** Builds into build/Release/; exits the process with a message on failure. */
export function buildFromSource() {
  const missing = missingBuildTools();
  if (missing.length > 0) {
    console.error(`flbhost: cannot build the native addon from source:\n${toolsMessage(missing)}`);
    process.exit(1);
  }
  const status = cmakeJs(['compile']);
  if (status !== 0) {
    console.error('flbhost: the native build failed (see the compiler output above).');
    process.exit(status);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) buildFromSource();
