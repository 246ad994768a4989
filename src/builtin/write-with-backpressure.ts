/**
 * One write to a Node Writable that settles only when the data is safely
 * handed over: its write callback ran (so a write error is seen by the
 * caller that made the write) and, when the stream reported a full buffer,
 * it drained (so an output never queues more than the stream's
 * highWaterMark on top of a slow consumer).
 */
import type { Writable } from 'node:stream';

export function writeWithBackpressure(stream: Writable, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    let written = false;
    let drained = true;

    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
    };
    const settleIfDone = () => {
      if (written && drained) {
        cleanup();
        resolve();
      }
    };
    const onDrain = () => {
      drained = true;
      settleIfDone();
    };
    // A stream destroyed while full never drains: do not wait for ever.
    const onClose = () => {
      cleanup();
      reject(new Error('the stream closed before it drained'));
    };

    const accepted = stream.write(data, (error) => {
      if (error) {
        cleanup();
        reject(error);
        return;
      }
      written = true;
      settleIfDone();
    });
    if (!accepted) {
      drained = false;
      stream.on('drain', onDrain);
      stream.on('close', onClose);
    }
  });
}
