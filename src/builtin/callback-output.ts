/**
 * The `callback` output: hands each chunk to a function of the host
 * application, decoded (default) or as the OutputChunk itself (`raw: true`).
 *
 * What the function returns decides the flush: 'ok' | 'retry' | 'error' as
 * is, true → ok, false → retry, nothing → ok. A throw or a rejected promise
 * is an 'error' (logged), so a bug in the callback drops that chunk instead
 * of retrying it for ever.
 */
import { messageOf } from '../errors.js';
import type { OutputChunk, OutputContext, OutputPlugin, OutputPluginFactory } from '../engine/plugin-api.js';
import type { EventFormat } from '../events/chunk.js';
import type { DecodedEvent } from '../events/decoder.js';
import type { FlushResult } from '../proxy/output.js';

export type CallbackResult = FlushResult | boolean | void | undefined;

export type EventsCallback = (events: DecodedEvent[], tag: string) => CallbackResult | Promise<CallbackResult>;
export type RawChunkCallback = (chunk: OutputChunk, tag: string) => CallbackResult | Promise<CallbackResult>;

export interface CallbackOutputOptions {
  /** Hand the OutputChunk (bytes, decoded on demand) instead of decoded events. */
  raw?: boolean;
  /**
   * Event format of the chunks: 'v2' to see each event's metadata (default:
   * the engine's, v1, where metadata is always empty).
   */
  eventFormat?: EventFormat;
}

class CallbackOutput implements OutputPlugin {
  readonly name = 'callback';
  readonly description = 'Hands events to a function of the application';
  readonly eventFormat?: EventFormat;

  constructor(
    private readonly deliver: (chunk: OutputChunk) => CallbackResult | Promise<CallbackResult>,
    eventFormat: EventFormat | undefined,
  ) {
    if (eventFormat !== undefined) this.eventFormat = eventFormat;
  }

  async flush(chunk: OutputChunk, ctx: OutputContext): Promise<FlushResult> {
    let returned: CallbackResult;
    try {
      returned = await this.deliver(chunk);
    } catch (error) {
      const message = messageOf(error);
      ctx.logger.error({ err: error, tag: chunk.tag }, `the callback failed: ${message}`);
      return 'error';
    }
    return flushResultOf(returned, ctx);
  }
}

function flushResultOf(returned: unknown, ctx: OutputContext): FlushResult {
  if (returned === undefined || returned === true || returned === 'ok') return 'ok';
  if (returned === false || returned === 'retry') return 'retry';
  if (returned === 'error') return 'error';
  ctx.logger.error(`the callback returned ${describe(returned)}; expected 'ok', 'retry', 'error', a boolean or nothing`);
  return 'error';
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : value === null ? 'null' : typeof value;
}

/** An output factory named "callback" that calls `fn` for each chunk with its decoded events. */
export function callbackOutput(fn: EventsCallback, options?: CallbackOutputOptions & { raw?: false }): OutputPluginFactory;
/** An output factory named "callback" that calls `fn` for each chunk with the chunk itself. */
export function callbackOutput(fn: RawChunkCallback, options: CallbackOutputOptions & { raw: true }): OutputPluginFactory;
export function callbackOutput(fn: EventsCallback | RawChunkCallback, options: CallbackOutputOptions = {}): OutputPluginFactory {
  const deliver = options.raw
    ? (chunk: OutputChunk) => (fn as RawChunkCallback)(chunk, chunk.tag)
    : (chunk: OutputChunk) => (fn as EventsCallback)(chunk.events(), chunk.tag);
  return {
    kind: 'output',
    name: 'callback',
    description: 'Hands events to a function of the application',
    create: () => new CallbackOutput(deliver, options.eventFormat),
  };
}
