// Builds the addon with node-gyp from binding.gyp, in build-gyp/, so CI can
// check that binding.gyp (what prebuildify users build) and CMakeLists.txt
// (what `npm install` builds) still make the same working addon.
//
// Offline: node-gyp is pointed at the headers of the running Node install
// (--nodedir) instead of downloading them.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'build-gyp');
const nodeDir = join(dirname(process.execPath), '..');

if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) {
  console.error(`build-gyp: no Node headers under ${nodeDir}/include/node; node-gyp would have to download them.`);
  process.exit(1);
}
const nodeGyp =
  process.env.npm_config_node_gyp ??
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp)) {
  console.error(`build-gyp: node-gyp not found at ${nodeGyp} (it ships with npm)`);
  process.exit(1);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
cpSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
cpSync(join(root, 'native'), join(work, 'native'), { recursive: true });
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));

const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--jobs=2'], { cwd: work, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`build-gyp: ${join(work, 'build', 'Release', 'flbhost.node')}`);
