// npm's install script for flbhost. Nothing is compiled when the package
// carries prebuilt binaries that run here (dist/binaries.js decides, the same
// rule the library loads them by); otherwise the addon and the plugin host
// are built from source (scripts/build-native.mjs), which needs cmake, make
// and a C/C++ compiler, and says exactly which of them is missing.
//
// Builds from source anyway: a checkout (plugins-c/ is there; the package
// does not carry it), where `npm install` is the developers' build, and
// FLBHOST_BUILD_FROM_SOURCE=1 or `npm install --build-from-source`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFromSource, missingBuildTools, root, toolsMessage } from './build-native.mjs';

function truthy(value) {
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

const checkout = existsSync(join(root, 'plugins-c'));
const asked = truthy(process.env.FLBHOST_BUILD_FROM_SOURCE) || truthy(process.env.npm_config_build_from_source);

let why;
if (checkout) why = undefined;
else if (asked) why = 'building from source as asked';
else if (!existsSync(join(root, 'dist', 'binaries.js'))) why = 'dist/ is missing, so the prebuilt binaries cannot be checked';
else {
  const { prebuiltStatus, ADDON_NAME } = await import(pathToFileURL(join(root, 'dist', 'binaries.js')).href);
  const status = prebuiltStatus();
  if (status.usable) {
    try {
      createRequire(import.meta.url)(join(status.dir, ADDON_NAME));
      process.exit(0); // the prebuilt loads: nothing to build
    } catch (error) {
      why = `the prebuilt addon for ${status.target} does not load here (${error.message.split('\n')[0]})`;
    }
  } else why = status.reason;
}

if (why !== undefined) {
  const missing = missingBuildTools();
  if (missing.length > 0) {
    console.error(`flbhost: ${why}, and it cannot be built from source:\n${toolsMessage(missing)}`);
    process.exit(1);
  }
  console.error(`flbhost: ${why}; building the native addon from source.`);
}
buildFromSource();
