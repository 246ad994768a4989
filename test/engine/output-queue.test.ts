import { describe, expect, it } from 'vitest';
import { OutputQueue } from '../../src/engine/output-queue.js';

const chunk = (id: string, bytes: number) => ({ id, bytes });

describe('output queue', () => {
  it('hands out chunks in order, at most `workers` in flight', () => {
    const queue = new OutputQueue<{ id: string; bytes: number }>({ workers: 2 });
    for (const id of ['a', 'b', 'c']) queue.push(chunk(id, 100));
    const first = queue.take();
    const second = queue.take();
    expect([first?.id, second?.id]).toEqual(['a', 'b']);
    expect(queue.take()).toBeUndefined();
    expect([queue.inFlight, queue.waiting]).toEqual([2, 1]);
    queue.landed(first!);
    expect(queue.take()?.id).toBe('c');
    expect([...queue.inFlightItems()].map((c) => c.id)).toEqual(['b', 'c']);
  });

  it('dispatches ahead to a plugin that queues flushes, up to aheadBytes in flight', () => {
    const queue = new OutputQueue<{ id: string; bytes: number }>({ workers: 1, aheadBytes: 250 });
    for (const id of ['a', 'b', 'c', 'd']) queue.push(chunk(id, 100));
    expect([queue.take()?.id, queue.take()?.id]).toEqual(['a', 'b']); // the worker, then 200 bytes ahead
    expect(queue.take()).toBeUndefined(); // 300 would pass 250
    queue.landed({ id: 'a', bytes: 100 }); // not the same object: nothing lands
    expect(queue.inFlight).toBe(2);
    const [a] = [...queue.inFlightItems()];
    queue.landed(a!);
    expect(queue.take()?.id).toBe('c');
    expect(queue.takeAllWaiting().map((c) => c.id)).toEqual(['d']);
    expect(queue.waiting).toBe(0);
  });
});
