import { pino } from 'pino';
import { Writable } from 'node:stream';

export interface CapturedLine {
  level: number;
  msg: string;
  plugin?: string;
  instance?: string;
  [key: string]: unknown;
}

/** A real pino logger whose JSON lines are collected in memory. */
export function captureLogger(level = 'info'): { logger: pino.Logger; lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) lines.push(JSON.parse(line) as CapturedLine);
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
