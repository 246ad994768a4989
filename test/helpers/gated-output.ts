/**
 * A TypeScript output whose flushes wait until the test lets them finish:
 * a stalled output on demand (backpressure, resume marks), and a count of
 * the flushes running at the same time (workers).
 */
import type { DecodedEvent } from '../../src/events/decoder.js';
import type { FlushResult } from '../../src/proxy/output.js';
import type { OutputPluginFactory } from '../../src/engine/plugin-api.js';

export interface GatedOutput {
  factory: OutputPluginFactory;
  /** Flushes called and not finished yet. */
  readonly pending: number;
  /** Most flushes that were running at the same time. */
  readonly maxConcurrent: number;
  /** Events of the flushes that finished with 'ok', in the order they finished. */
  readonly delivered: DecodedEvent[];
  /** Finishes the oldest waiting flush (throws when none waits). */
  finishOne(result?: FlushResult): void;
  /** Finishes every waiting flush with 'ok', and every later one at once. */
  open(): void;
}

export function gatedOutput(name = 'gated'): GatedOutput {
  const waiting: Array<(result: FlushResult) => void> = [];
  const delivered: DecodedEvent[] = [];
  let opened = false;
  let running = 0;
  let maxConcurrent = 0;
  const factory: OutputPluginFactory = {
    kind: 'output',
    name,
    description: 'test output that flushes when the test says so',
    create: () => ({
      name,
      async flush(chunk) {
        running++;
        maxConcurrent = Math.max(maxConcurrent, running);
        const events = chunk.events();
        const result = opened ? 'ok' : await new Promise<FlushResult>((resolve) => waiting.push(resolve));
        running--;
        if (result === 'ok') delivered.push(...events);
        return result;
      },
    }),
  };
  return {
    factory,
    delivered,
    get pending() {
      return waiting.length;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    finishOne(result = 'ok') {
      const next = waiting.shift();
      if (!next) throw new Error(`${name}: no flush is waiting`);
      next(result);
    },
    open() {
      opened = true;
      for (const next of waiting.splice(0)) next('ok');
    },
  };
}
