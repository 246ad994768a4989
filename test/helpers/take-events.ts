import type { InputEvent, InputInstance } from '../../src/index.js';

/** Takes the next `count` events from an input instance's async iterator. */
export async function take(input: InputInstance, count: number): Promise<InputEvent[]> {
  const events: InputEvent[] = [];
  if (count === 0) return events;
  for await (const event of input) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}
