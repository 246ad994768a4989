/**
 * The frames flbhost and a plugin-host child exchange: the TypeScript side
 * of native/frame_protocol.h (which explains the layout and why it is
 * binary). Keep the two in step.
 */

export const FRAME_HEADER_BYTES = 13;
/** A flush's chunk is at most 0x7fffffff bytes; a longer frame is a broken stream. */
export const MAX_FRAME_BYTES = 0x7fffffff + (1 << 20);

export const FRAME = {
  load: 1,
  create: 2,
  start: 3,
  flush: 4,
  close: 5,
  metrics: 6,
  release: 7,
  setPaused: 8,
  setLogLevel: 9,
  loaded: 64,
  completed: 65,
  log: 66,
  chunk: 67,
  unread: 68,
  stats: 69,
} as const;

/** native/instance_events.h Completion::Kind. */
export const COMPLETION = { done: 0, code: 1, text: 2, cancelled: 3, failed: 4 } as const;

/** Builds one frame: header, then fields, then an optional rest of raw bytes. */
export class FrameBuilder {
  private buffer: Buffer;
  private at = FRAME_HEADER_BYTES;

  constructor(
    private readonly type: number,
    private readonly op = 0,
    capacity = 256,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, FRAME_HEADER_BYTES));
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }

  u8(value: number): this {
    this.room(1);
    this.buffer.writeUInt8(value, this.at);
    this.at += 1;
    return this;
  }

  i32(value: number): this {
    this.room(4);
    this.buffer.writeInt32LE(value, this.at);
    this.at += 4;
    return this;
  }

  u32(value: number): this {
    this.room(4);
    this.buffer.writeUInt32LE(value, this.at);
    this.at += 4;
    return this;
  }

  u64(value: number): this {
    this.room(8);
    this.buffer.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(value))), this.at);
    this.at += 8;
    return this;
  }

  string(value: string): this {
    const length = Buffer.byteLength(value);
    this.room(4 + length);
    this.buffer.writeUInt32LE(length, this.at);
    this.buffer.write(value, this.at + 4);
    this.at += 4 + length;
    return this;
  }

  /** The frame's head (everything but `restBytes` of rest that follow it on the wire). */
  head(restBytes = 0): Buffer {
    const head = this.buffer.subarray(0, this.at);
    head.writeUInt32LE(this.at - 4 + restBytes, 0);
    head.writeUInt8(this.type, 4);
    head.writeBigUInt64LE(BigInt(this.op), 5);
    return head;
  }
}

/** Reads the fields of one received frame, in order. */
export class FrameFields {
  private at = 0;

  constructor(private readonly payload: Buffer) {}

  u8(): number {
    const value = this.payload.readUInt8(this.at);
    this.at += 1;
    return value;
  }

  i32(): number {
    const value = this.payload.readInt32LE(this.at);
    this.at += 4;
    return value;
  }

  u32(): number {
    const value = this.payload.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }

  u64(): number {
    const value = Number(this.payload.readBigUInt64LE(this.at));
    this.at += 8;
    return value;
  }

  string(): string {
    const length = this.u32();
    if (this.at + length > this.payload.length) throw new RangeError('a string runs past the end of its frame');
    const value = this.payload.toString('utf8', this.at, this.at + length);
    this.at += length;
    return value;
  }

  /** What is left of the frame, without a copy. */
  rest(): Buffer {
    const value = this.payload.subarray(this.at);
    this.at = this.payload.length;
    return value;
  }
}

export interface ReceivedFrame {
  type: number;
  op: number;
  fields: FrameFields;
}

/**
 * Splits a byte stream into frames. A frame's payload is a view of the
 * received data when it came in one piece (the common case), and one copy
 * when it spanned several reads.
 */
export class FrameSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Feeds received bytes; returns the frames they completed. Throws on a broken stream. */
  push(data: Buffer): ReceivedFrame[] {
    this.pending.push(data);
    this.pendingBytes += data.length;
    const frames: ReceivedFrame[] = [];
    while (this.pendingBytes >= FRAME_HEADER_BYTES) {
      const first = this.pending[0]!.length >= FRAME_HEADER_BYTES ? this.pending[0]! : this.flatten();
      const length = first.readUInt32LE(0);
      if (length < 9 || length > MAX_FRAME_BYTES) throw new Error(`a frame of ${length} bytes: the plugin host's stream is broken`);
      const total = 4 + length;
      if (this.pendingBytes < total) break;
      const whole = first.length >= total ? first : this.flatten();
      frames.push({
        type: whole.readUInt8(4),
        op: Number(whole.readBigUInt64LE(5)),
        fields: new FrameFields(whole.subarray(FRAME_HEADER_BYTES, total)),
      });
      this.consume(total);
    }
    return frames;
  }

  private flatten(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all;
  }

  private consume(bytes: number): void {
    this.pendingBytes -= bytes;
    const first = this.pending[0]!;
    if (first.length === bytes) this.pending.shift();
    else this.pending[0] = first.subarray(bytes);
  }
}
