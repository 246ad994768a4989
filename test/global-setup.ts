/**
 * Runs once before the test files: rebuilds dist/ when src/ changed since its
 * last build (many tests run dist/), checks the native build exists and builds
 * the Go plugin fixtures (fluent-bit-go and calyptia/plugin), handing their
 * paths to the tests.
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { nativeBinaries } from '../src/binaries.js';
import { buildGoFixtures } from './helpers/go-fixtures.js';
import { buildCalyptiaFixtures } from './helpers/calyptia-fixtures.js';
import { join } from 'node:path';
import { cPlugin, repoRoot } from './helpers/paths.js';
import { buildDistIfStale } from './helpers/dist-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    goPlugins: Record<string, string>;
    /** calyptia/plugin fixtures: 'v1/input', 'v1/output', 'v1/custom', 'v0/input', 'v0/output' → .so ({} off amd64 Linux). */
    calyptiaPlugins: Record<string, string>;
  }
}

export default function setup(project: TestProject): void {
  const rebuiltFor = buildDistIfStale();
  if (rebuiltFor.length > 0) {
    const more = rebuiltFor.length > 1 ? ` and ${rebuiltFor.length - 1} more` : '';
    console.log(`dist/ was older than ${rebuiltFor[0]}${more}: rebuilt it`);
  }
  for (const required of [nativeBinaries().addon, cPlugin('out_jsonl'), join(repoRoot, 'dist', 'index.js'), join(repoRoot, 'dist', 'index.cjs')]) {
    if (!existsSync(required)) {
      throw new Error(`${required} is missing: run \`npm install\` (or \`npm run build\`) before the tests`);
    }
  }
  project.provide('goPlugins', buildGoFixtures());
  project.provide('calyptiaPlugins', buildCalyptiaFixtures());
}
