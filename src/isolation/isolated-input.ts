/**
 * An input instance in a child process of its own (NativeInput, as the
 * addon's). Chunks come back over the event stream and go where the addon's
 * would (the backend's routes, by instance id); the child keeps the same
 * bound on bytes handed over and not yet released, and pauses the plugin
 * at it.
 *
 * After a crash the new child starts with nothing outstanding, while
 * flbhost may still hold chunks of the old one: releases are counted
 * against those first, so the new child is never told of bytes it did not
 * send. Data a plugin collected and had not handed over when it died is the
 * plugin's own and is lost with it.
 */
import type { NativeChunkFailure, NativeInput, NativeInputStats } from '../native.js';
import { FRAME } from './protocol.js';
import { SupervisedInstance } from './supervised-instance.js';

const NO_STATS: NativeInputStats = {
  collects: 0,
  collectErrors: 0,
  chunks: 0,
  bytes: 0,
  pauses: 0,
  droppedChunks: 0,
  outstandingBytes: 0,
  peakOutstandingBytes: 0,
  malformedChunks: 0,
  paused: false,
};

/** The counters of two children's lives added up (the peak is the higher one); outstanding bytes and paused are not counters. */
function sumStats(before: NativeInputStats, now: NativeInputStats): NativeInputStats {
  return {
    collects: before.collects + now.collects,
    collectErrors: before.collectErrors + now.collectErrors,
    chunks: before.chunks + now.chunks,
    bytes: before.bytes + now.bytes,
    pauses: before.pauses + now.pauses,
    droppedChunks: before.droppedChunks + now.droppedChunks,
    outstandingBytes: 0,
    peakOutstandingBytes: Math.max(before.peakOutstandingBytes, now.peakOutstandingBytes),
    malformedChunks: before.malformedChunks + now.malformedChunks,
    paused: false,
  };
}

export class IsolatedInput extends SupervisedInstance implements NativeInput {
  private latest: NativeInputStats = NO_STATS;
  /** Counters of children that died, added to the current one's. */
  private previous: NativeInputStats = NO_STATS;
  /** Chunk bytes of the current child that flbhost holds. */
  private held = 0;
  /** Chunk bytes of earlier children that flbhost still holds. */
  private heldFromEarlier = 0;
  private userPaused = false;
  private keepAlive = false;

  release(bytes: number): void {
    const fromEarlier = Math.min(bytes, this.heldFromEarlier);
    this.heldFromEarlier -= fromEarlier;
    const rest = Math.min(bytes - fromEarlier, this.held);
    if (rest <= 0) return;
    this.held -= rest;
    this.host?.send(FRAME.release, (frame) => frame.u64(rest));
  }

  setPaused(paused: boolean): void {
    this.userPaused = paused;
    this.host?.send(FRAME.setPaused, (frame) => frame.u8(paused ? 1 : 0));
  }

  stats(): NativeInputStats {
    return { ...sumStats(this.previous, this.latest), outstandingBytes: this.held + this.heldFromEarlier, paused: this.latest.paused };
  }

  setKeepAlive(keep: boolean): void {
    this.keepAlive = keep;
    this.updateReferenced();
  }

  protected override onChunk(data: Buffer, events: number, format: number, failure?: NativeChunkFailure): void {
    this.held += data.length;
    this.spec.routes.chunk(this.id, data, events, format, failure);
  }

  protected override onStats(stats: NativeInputStats): void {
    this.latest = stats;
  }

  protected onReady(): void {
    if (this.userPaused) this.setPaused(true);
  }

  protected onLost(): void {
    this.heldFromEarlier += this.held;
    this.held = 0;
    this.previous = sumStats(this.previous, this.latest);
    this.latest = NO_STATS;
  }

  protected onFailed(): void {
    // Nothing waits on an input; it simply produces nothing more (logged).
  }

  protected wantsReferenced(): boolean {
    return this.keepAlive;
  }
}
