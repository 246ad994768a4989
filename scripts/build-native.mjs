// Builds the addon, the C plugins and the benchmark harness with cmake-js
// against the node-api-headers package: no Node headers are downloaded, so
// `npm install` works with nothing but the package registry.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function has(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

const missing = ['cmake', 'cc', 'c++', 'make'].filter((tool) => !has(tool));
if (missing.length > 0) {
  console.error(
    `flbhost: cannot build the native addon: ${missing.join(', ')} not found on PATH.\n` +
      `  On Debian/Ubuntu: apt-get install cmake build-essential\n` +
      `  flbhost needs a C/C++ toolchain and CMake >= 3.15 to build from source.`,
  );
  process.exit(1);
}
if (process.platform !== 'linux') {
  console.error(`flbhost: ${process.platform} is not supported: Fluent Bit proxy plugins are Linux .so files.`);
  process.exit(1);
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--parallel', '2', '--log-level', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error('flbhost: the native build failed (see the compiler output above).');
  process.exit(result.status ?? 1);
}
