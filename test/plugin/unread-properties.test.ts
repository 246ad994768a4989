import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadPlugin } from '../../src/index.js';
import { captureLogger, type CapturedLine } from '../helpers/capture-logger.js';
import { cPlugin } from '../helpers/paths.js';
import { take } from '../helpers/take-events.js';
import { tempDir } from '../helpers/temp.js';

// The host sees every property lookup a .so makes (FLBPluginConfigKey ends
// in *_get_property), so after Init it can name the configured keys the
// plugin never asked for: usually typos, which plugins silently ignore.
const goPlugins = inject('goPlugins');
const dir = tempDir();
const WARN = 40;

function unreadWarnings(lines: CapturedLine[]): Array<{ property: unknown; instance: unknown; msg: string }> {
  return lines
    .filter((line) => line.level === WARN && 'property' in line)
    .map((line) => ({ property: line.property, instance: line.instance, msg: line.msg }));
}

describe('configured properties the plugin never read', () => {
  it('names a typo of a C output, once per key, and not the keys it read (in any case)', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('out_jsonl'), { logger });
    const out = await lib.createOutput({
      name: 'acc.0',
      properties: [
        ['PATH', join(dir, 'c.jsonl')],
        ['pathh', 'typo'],
        ['Label', 'read as label'],
        ['colour', 'red'],
        ['PATHH', 'same typo, other case'],
      ],
    });
    await out.close();
    expect(unreadWarnings(lines)).toEqual([
      { property: 'pathh', instance: 'acc.0', msg: "property 'pathh' of acc.0 was never read by the plugin; a typo?" },
      { property: 'colour', instance: 'acc.0', msg: "property 'colour' of acc.0 was never read by the plugin; a typo?" },
    ]);
  });

  it('says nothing when every key was read, and never counts reserved keys (the plugin never sees them)', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(cPlugin('out_jsonl'), { logger });
    const out = await lib.createOutput({ properties: { path: join(dir, 'quiet.jsonl'), match: '*', retry_limit: 3, alias: 'x' } });
    await out.close();
    expect(unreadWarnings(lines)).toEqual([]);
  });

  it('names a typo of a Go output built with fluent-bit-go', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(goPlugins.out_gjsonl!, { logger });
    const out = await lib.createOutput({ properties: { path: join(dir, 'go.jsonl'), id: 'G', idd: 'typo' } });
    await out.close();
    expect(unreadWarnings(lines)).toEqual([
      { property: 'idd', instance: out.name, msg: `property 'idd' of ${out.name} was never read by the plugin; a typo?` },
    ]);
  });

  it('names a typo of a Go input', async () => {
    const { logger, lines } = captureLogger();
    const lib = await loadPlugin(goPlugins.in_gdummy!, { logger });
    const input = await lib.createInput({ properties: { message: '{"a":1}', mesage: 'typo' }, interval: 10 });
    await take(input, 1);
    await input.close();
    expect(unreadWarnings(lines).map((w) => w.property)).toEqual(['mesage']);
  });

  it('names a typo of a C input and of a C custom plugin', async () => {
    const { logger, lines } = captureLogger();
    const gen = await loadPlugin(cPlugin('in_gen'), { logger });
    const input = await gen.createInput({ properties: { records: 1, total: 1, recods: 5 }, interval: 10 });
    await take(input, 1);
    await input.close();
    const custom = await loadPlugin(cPlugin('custom_trace'), { logger });
    const instance = await custom.createCustom({ properties: { id: 'C', retrun: 1 } });
    await instance.close();
    expect(unreadWarnings(lines)).toEqual([
      { property: 'recods', instance: input.name, msg: `property 'recods' of ${input.name} was never read by the plugin; a typo?` },
      { property: 'retrun', instance: instance.name, msg: `property 'retrun' of ${instance.name} was never read by the plugin; a typo?` },
    ]);
  });

  it('lets the native instance answer which keys are still unread, before and after Init', async () => {
    const lib = await loadPlugin(cPlugin('out_jsonl'));
    const native = lib.native.createOutput({
      properties: [
        ['path', join(dir, 'native.jsonl')],
        ['extra', '1'],
        ['EXTRA', '2'],
      ],
      logLevel: 3,
      workers: 1,
    });
    expect(native.unreadProperties()).toEqual(['path', 'extra']);
    expect(await native.start()).toBe(1);
    expect(native.unreadProperties()).toEqual(['extra']);
    await native.close();
  });
});
