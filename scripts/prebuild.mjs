// Builds the binaries the npm package carries (`npm pack` and `npm publish`
// run this as prepack): the addon and the plugin host for this machine's
// target (dist/binaries.js names it: linux-x64-glibc here), linked with
// libstdc++ and libgcc inside (CMake's FLBHOST_PREBUILT), in build/prebuild/,
// then copied to prebuilds/<target>/ with a prebuilt.json that records the
// newest glibc symbol version they need, read from their dynamic symbol
// tables (objdump -T). The loader refuses them on an older glibc with that
// number, and the install then builds from source instead.
//
// Published packages are built on linux-x64 with glibc; whatever machine
// packs, its own target is what lands in prebuilds/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cmakeJs, missingBuildTools, root, toolsMessage } from './build-native.mjs';

const binariesModule = join(root, 'dist', 'binaries.js');
if (!existsSync(binariesModule)) {
  console.error('prebuild: dist/ is not built; run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
const { ADDON_NAME, PLUGIN_HOST_NAME, prebuiltDir, prebuiltTarget } = await import(pathToFileURL(binariesModule).href);

const missing = missingBuildTools();
if (missing.length > 0) {
  console.error(`prebuild: cannot build the prebuilt binaries:\n${toolsMessage(missing)}`);
  process.exit(1);
}
const out = join(root, 'build', 'prebuild');
const status = cmakeJs(['compile', '--out', out, '--CDFLBHOST_PREBUILT=ON', '--CDFLBHOST_DEV_TARGETS=OFF']);
if (status !== 0) process.exit(status);

/** The newest GLIBC_x.y[.z] version among the files' dynamic symbols. */
function newestGlibc(files) {
  let text;
  try {
    text = execFileSync('objdump', ['-T', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch {
    console.error('prebuild: objdump (binutils) is needed to read which glibc the binaries need.');
    process.exit(1);
  }
  const versions = [...text.matchAll(/\bGLIBC_(\d+(?:\.\d+)+)\b/g)].map((m) => m[1]);
  const key = (v) => v.split('.').map(Number);
  versions.sort((a, b) => {
    const [pa, pb] = [key(a), key(b)];
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
    return 0;
  });
  return versions.at(-1);
}

const target = prebuiltTarget();
const dir = prebuiltDir(target);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const built = [ADDON_NAME, PLUGIN_HOST_NAME].map((name) => join(out, 'Release', name));
for (const file of built) copyFileSync(file, join(dir, file.slice(file.lastIndexOf('/') + 1)));
const shipped = [ADDON_NAME, PLUGIN_HOST_NAME].map((name) => join(dir, name));
const manifest = {
  target,
  ...(target.endsWith('-glibc') ? { glibc: newestGlibc(shipped) } : {}),
  compiler: execFileSync('c++', ['--version'], { encoding: 'utf8' }).split('\n')[0],
};
writeFileSync(join(dir, 'prebuilt.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`prebuild: ${dir} (${manifest.glibc ? `needs glibc >= ${manifest.glibc}` : target})`);
