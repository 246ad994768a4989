/**
 * The `null` output (Fluent Bit's out_null): accepts every chunk and keeps
 * nothing. Useful to measure a pipeline without an output's cost.
 */
import type { OutputPlugin, OutputPluginFactory } from '../engine/plugin-api.js';
import type { FlushResult } from '../proxy/output.js';

class NullOutput implements OutputPlugin {
  readonly name = 'null';
  readonly description = 'Discards every event';

  flush(): FlushResult {
    return 'ok';
  }
}

export const nullOutputFactory: OutputPluginFactory = {
  kind: 'output',
  keys: [],
  name: 'null',
  description: 'Discards every event',
  create: () => new NullOutput(),
};
