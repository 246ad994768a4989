// Builds dist/ from src/, the one source: tsc writes the ES modules and their
// declarations, then each entry point that package.json's "exports" gives a
// "require" condition gets a CommonJS bundle made by esbuild from the same
// src/ file, so `require('flbhost')` works on every Node that "engines"
// allows (Node 20 before 20.19 cannot require() an ES module):
//
//   "./x": { "import":  { "types": "./dist/x.d.ts",     "default": "./dist/x.js" },
//            "require": { "types": "./dist/cjs/x.d.ts", "default": "./dist/x.cjs" } }
//
// builds dist/x.cjs from src/x.ts. A new export needs only its entry in
// package.json. The CommonJS types are tsc's declarations again, copied to
// dist/cjs/ beside a package.json that makes that folder CommonJS: a .d.cts
// re-exporting the ES declarations is refused under `moduleResolution:
// node16` (TS1479: an ES module cannot be require()d).
// The bundles sit in dist/, beside the ES modules' top level, so
// src/package-root.ts finds the package root the same way in both.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { root } from './build-native.mjs';

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

const dist = join(root, 'dist');
const cjsTypes = join(dist, 'cjs');
rmSync(cjsTypes, { recursive: true, force: true });
const copyDeclarations = (from, to) => {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory() && source !== cjsTypes) copyDeclarations(source, join(to, entry.name));
    else if (entry.name.endsWith('.d.ts')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(source, join(to, entry.name));
    }
  }
};
copyDeclarations(dist, cjsTypes);
writeFileSync(join(cjsTypes, 'package.json'), '{ "type": "commonjs" }\n');

/** [subpath, "./dist/x.cjs", "./dist/x.d.cts"] for each export with a require condition. */
export function commonJsEntries(pkg) {
  return Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object' && target.require)
    .map(([subpath, target]) => [subpath, target.require.default, target.require.types]);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const [subpath, bundle, types] of commonJsEntries(pkg)) {
  const match = /^\.\/dist\/(.+)\.cjs$/.exec(bundle);
  if (!match || types !== `./dist/cjs/${match[1]}.d.ts`) {
    throw new Error(`package.json exports["${subpath}"].require must be { types: "./dist/cjs/X.d.ts", default: "./dist/X.cjs" } (built from src/X.ts)`);
  }
  const name = match[1];
  await build({
    entryPoints: [join(root, 'src', `${name}.ts`)],
    outfile: join(root, bundle),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    define: { 'import.meta.url': '__flbhostImportMetaUrl' },
    banner: { js: "const __flbhostImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}
