// A chunk file of the bench's nested records (records.mjs requestRecord),
// one EventTime second apart: what the direct C hosts (direct_flush) are fed
// beside flbhost, so both see the same bytes.
import { writeFileSync } from 'node:fs';
import { encodeChunk, EventTime } from '../dist/index.js';
import { requestRecord } from './records.mjs';

export function writeRecordChunk(path, records) {
  const events = Array.from({ length: records }, (_, i) => ({ time: new EventTime(1700000000 + i, 0), record: requestRecord(i) }));
  writeFileSync(path, encodeChunk(events).data);
  return path;
}
