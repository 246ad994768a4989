/**
 * Where flbhost's two native binaries are: the addon (`flbhost.node`) and the
 * plugin host (`flbhost-plugin-host`, the executable isolated instances and
 * probes run in). The one place that decides it; `native.ts` loads the addon
 * from here, `isolation/plugin-host-process.ts` spawns the host from here, and
 * the install script (scripts/install.mjs) asks here whether a prebuilt fits.
 *
 * The two always come as a pair from one directory, so whichever addon is
 * loaded, its own host comes with it. In order:
 *
 *   1. FLBHOST_ADDON: an addon built elsewhere (CI loads the node-gyp build
 *      this way); its host is beside it. FLBHOST_PLUGIN_HOST overrides the host.
 *   2. build/Release/: a build from source (`npm install` in a checkout, or an
 *      install with no prebuilt for the machine, or one asked to build).
 *   3. prebuilds/<platform>-<arch>-<libc>/: the binaries the npm package
 *      carries, with a prebuilt.json saying the glibc they need (measured
 *      from their symbol versions when they were built: scripts/prebuild.mjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { familySync, versionSync } from 'detect-libc';
import { packageRoot } from './package-root.js';

export const ADDON_NAME = 'flbhost.node';
export const PLUGIN_HOST_NAME = 'flbhost-plugin-host';

/** What scripts/prebuild.mjs writes beside a prebuilt pair. */
export interface PrebuiltManifest {
  /** `<platform>-<arch>-<libc>`, the directory's name. */
  target: string;
  /** The newest GLIBC_x.y symbol version the two binaries need (absent for musl). */
  glibc?: string;
  /** What built them, for the record (`cc --version`'s first line). */
  compiler?: string;
}

export interface NativeBinaries {
  addon: string;
  pluginHost: string;
  /** Which rule found them. */
  source: 'FLBHOST_ADDON' | 'build' | 'prebuilt';
}

/** This machine's prebuilt target: `linux-x64-glibc`, `linux-arm64-musl`, … */
export function prebuiltTarget(): string {
  const libc = process.platform === 'linux' ? (familySync() ?? 'unknown-libc') : undefined;
  return [process.platform, process.arch, libc].filter(Boolean).join('-');
}

export function buildDir(): string {
  return join(packageRoot, 'build', 'Release');
}

export function prebuiltDir(target: string = prebuiltTarget()): string {
  return join(packageRoot, 'prebuilds', target);
}

/** Compares dotted versions numerically: <0, 0, >0. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether the package carries a prebuilt pair for this machine that can run
 * here: `usable`, or the reason it cannot (no prebuilt for the target, or a
 * glibc older than the one it was built against).
 */
export function prebuiltStatus(): { target: string; dir: string; usable: boolean; reason?: string } {
  const target = prebuiltTarget();
  const dir = prebuiltDir(target);
  const manifestPath = join(dir, 'prebuilt.json');
  if (!existsSync(join(dir, ADDON_NAME)) || !existsSync(join(dir, PLUGIN_HOST_NAME)) || !existsSync(manifestPath)) {
    const carried = existsSync(join(packageRoot, 'prebuilds')) ? 'this package carries none for it' : 'this copy has no prebuilds/ directory';
    return { target, dir, usable: false, reason: `no prebuilt binaries for ${target}: ${carried}` };
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PrebuiltManifest;
  if (manifest.glibc) {
    const here = versionSync();
    if (here && compareVersions(here, manifest.glibc) < 0) {
      return { target, dir, usable: false, reason: `the prebuilt binaries for ${target} need glibc >= ${manifest.glibc}; this system has glibc ${here}` };
    }
  }
  return { target, dir, usable: true };
}

function pair(dir: string, source: NativeBinaries['source']): NativeBinaries {
  return { addon: join(dir, ADDON_NAME), pluginHost: process.env.FLBHOST_PLUGIN_HOST ?? join(dir, PLUGIN_HOST_NAME), source };
}

/**
 * The addon and plugin host to use, or an error saying what is missing and
 * how to get it.
 */
export function nativeBinaries(): NativeBinaries {
  const given = process.env.FLBHOST_ADDON;
  if (given) {
    if (!existsSync(given)) throw new Error(`flbhost: FLBHOST_ADDON names ${given}, which does not exist.`);
    return pair(dirname(given), 'FLBHOST_ADDON');
  }
  if (existsSync(join(buildDir(), ADDON_NAME))) return pair(buildDir(), 'build');
  const prebuilt = prebuiltStatus();
  if (prebuilt.usable) return pair(prebuilt.dir, 'prebuilt');
  throw new Error(
    `flbhost: no native addon to load: ${prebuilt.reason}, and it was not built from source (${join(buildDir(), ADDON_NAME)} does not exist).\n` +
      `  Build it: \`npm rebuild flbhost\` (or \`npm run build\` in a checkout), which needs cmake >= 3.15, make and a C/C++ compiler\n` +
      `  (Debian/Ubuntu: apt-get install cmake build-essential). If install scripts are disabled (pnpm, bun, --ignore-scripts), allow flbhost's.`,
  );
}

/** The plugin host's path, or an error saying how to get it. */
export function requirePluginHost(): string {
  const path = nativeBinaries().pluginHost;
  if (!existsSync(path)) {
    throw new Error(
      `flbhost: the plugin host is missing: ${path} does not exist. It runs plugins configured with ` +
        '`Isolation process` and checks every .so before flbhost loads it; it is built with the addon (`npm rebuild flbhost`, or `npm run build` in a checkout).',
    );
  }
  return path;
}
