/**
 * A TypeScript output registered into a pipeline for tests: records every
 * chunk it is handed (decoded) and answers what the test tells it to.
 */
import type { DecodedEvent } from '../../src/events/decoder.js';
import type { FlushResult } from '../../src/proxy/output.js';
import type { OutputPluginFactory } from '../../src/engine/plugin-api.js';

export interface RecordingOutput {
  factory: OutputPluginFactory;
  /** Every flush call, in order, with its decoded events. */
  calls: Array<{ instance: string; tag: string; events: DecodedEvent[]; bytes: number; result: FlushResult }>;
  /** Events of the calls that returned ok. */
  delivered(): DecodedEvent[];
  /** Decides each flush's result (default 'ok'). */
  answer: (call: { instance: string; tag: string; attempt: number }) => FlushResult | Promise<FlushResult>;
  exited: string[];
}

export function recordingOutput(name = 'recorder'): RecordingOutput {
  const state: RecordingOutput = {
    calls: [],
    exited: [],
    answer: () => 'ok',
    delivered: () => state.calls.filter((c) => c.result === 'ok').flatMap((c) => c.events),
    factory: {
      kind: 'output',
      name,
      description: 'test recorder',
      create: () => {
        let instance = '';
        const attempts = new Map<Uint8Array, number>();
        return {
          name,
          init(ctx) {
            instance = ctx.name;
          },
          async flush(chunk) {
            const attempt = (attempts.get(chunk.chunk.data) ?? 0) + 1;
            attempts.set(chunk.chunk.data, attempt);
            const result = await state.answer({ instance, tag: chunk.tag, attempt });
            state.calls.push({ instance, tag: chunk.tag, events: chunk.events(), bytes: chunk.chunk.data.length, result });
            return result;
          },
          exit() {
            state.exited.push(instance);
          },
        };
      },
    },
  };
  return state;
}
