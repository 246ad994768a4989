// The first example: load the example C output (plugins-c/out_jsonl.c, built
// by `npm install` into build/plugins/) and flush a few records through it.
// It writes each record as a JSON line to a file and this script prints them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlugin } from '../dist/index.js';

const plugin = fileURLToPath(new URL('../build/plugins/out_jsonl.so', import.meta.url));
const path = join(mkdtempSync(join(tmpdir(), 'flbhost-example-')), 'records.jsonl');

const lib = await loadPlugin(plugin);
console.log(`loaded '${lib.name}' (${lib.kind}): ${lib.description}`);

// FLBPluginInit runs on the instance's own native thread and reads `path`.
const out = await lib.createOutput({ properties: { path } });

// Each flush hands one MessagePack chunk to FLBPluginFlushCtx, off the JS thread.
const result = await out.flush('app.orders', [
  { record: { msg: 'order placed', order: 1042, total: 99.5 } },
  { time: new Date('2026-01-01T00:00:00.123Z'), record: { msg: 'order shipped', order: 1042 } },
  { time: 1767225600_000000007n, record: { msg: 'nanosecond timestamps survive', order: 1043 } },
]);
console.log(`flush returned ${result}`);

await out.close(); // PreExit, ExitCtx, Unregister
console.log(`the plugin wrote ${path}:`);
process.stdout.write(readFileSync(path, 'utf8'));
