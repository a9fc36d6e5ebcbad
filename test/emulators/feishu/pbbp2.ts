/**
 * Minimal, independent protobuf codec for Feishu's long-connection frames (package `pbbp2`).
 *
 * Wire schema (proto2, as shipped in the official SDKs):
 * ```proto
 * message Header { required string key = 1; required string value = 2; }
 * message Frame {
 *   required uint64 SeqID = 1;  required uint64 LogID = 2;
 *   required int32  service = 3; required int32 method = 4;
 *   repeated Header headers = 5;
 *   optional string payload_encoding = 6; optional string payload_type = 7;
 *   optional bytes payload = 8; optional string LogIDNew = 9;
 * }
 * ```
 * Written from the schema, not from the SDK's generated code, so a bug in either side shows up
 * as a failing test instead of cancelling out. Decoding is strict: missing required fields throw,
 * like the SDK's own decoder does.
 */

/** One `pbbp2.Header`. */
export interface FrameHeader {
  key: string;
  value: string;
}

/** One `pbbp2.Frame`. uint64 fields are bigint so no precision is lost. */
export interface Frame {
  SeqID: bigint;
  LogID: bigint;
  service: number;
  /** 0 = control (ping/pong), 1 = data (event/card and their acks). */
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

/** `Frame.method` values. */
export const FrameMethod = { control: 0, data: 1 } as const;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const MASK64 = (1n << 64n) - 1n;

class Writer {
  private chunks: number[] = [];
  varint(value: bigint): void {
    let v = value & MASK64;
    while (v > 0x7fn) {
      this.chunks.push(Number((v & 0x7fn) | 0x80n));
      v >>= 7n;
    }
    this.chunks.push(Number(v));
  }
  tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(BigInt(data.length));
    for (const b of data) this.chunks.push(b);
  }
  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s, 'utf8'));
  }
  finish(): Buffer {
    return Buffer.from(this.chunks);
  }
}

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly end = buf.length,
  ) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new Error('pbbp2: truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result & MASK64;
    }
    throw new Error('pbbp2: varint too long');
  }
  lenDelimited(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Error('pbbp2: length-delimited field overruns buffer');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_LEN) this.lenDelimited();
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else throw new Error(`pbbp2: unsupported wire type ${wire}`);
  }
}

/** int32 on the wire: negative values are sign-extended to 64 bits (10-byte varint). */
function int32ToVarint(n: number): bigint {
  return BigInt.asUintN(64, BigInt(n | 0));
}
function varintToInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
const utf8 = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** Encode a Frame to bytes (all required fields are always written, as proto2 requires). */
export function encodeFrame(frame: Frame): Buffer {
  const w = new Writer();
  w.tag(1, WIRE_VARINT);
  w.varint(frame.SeqID);
  w.tag(2, WIRE_VARINT);
  w.varint(frame.LogID);
  w.tag(3, WIRE_VARINT);
  w.varint(int32ToVarint(frame.service));
  w.tag(4, WIRE_VARINT);
  w.varint(int32ToVarint(frame.method));
  for (const h of frame.headers) {
    const hw = new Writer();
    hw.string(1, h.key);
    hw.string(2, h.value);
    w.bytes(5, hw.finish());
  }
  if (frame.payloadEncoding !== undefined) w.string(6, frame.payloadEncoding);
  if (frame.payloadType !== undefined) w.string(7, frame.payloadType);
  if (frame.payload !== undefined) w.bytes(8, frame.payload);
  if (frame.LogIDNew !== undefined) w.string(9, frame.LogIDNew);
  return w.finish();
}

function decodeHeader(buf: Uint8Array): FrameHeader {
  const r = new Reader(buf);
  let key: string | undefined;
  let value: string | undefined;
  while (!r.done) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === WIRE_LEN) key = utf8(r.lenDelimited());
    else if (field === 2 && wire === WIRE_LEN) value = utf8(r.lenDelimited());
    else r.skip(wire);
  }
  if (key === undefined) throw new Error("pbbp2: Header missing required 'key'");
  if (value === undefined) throw new Error("pbbp2: Header missing required 'value'");
  return { key, value };
}

/** How decodeFrame reads each field, by number; field 5, the repeated headers, it reads apart. */
const FRAME_FIELDS: Record<number, (r: Reader) => Partial<Frame>> = {
  1: (r) => ({ SeqID: r.varint() }),
  2: (r) => ({ LogID: r.varint() }),
  3: (r) => ({ service: varintToInt32(r.varint()) }),
  4: (r) => ({ method: varintToInt32(r.varint()) }),
  6: (r) => ({ payloadEncoding: utf8(r.lenDelimited()) }),
  7: (r) => ({ payloadType: utf8(r.lenDelimited()) }),
  8: (r) => ({ payload: Uint8Array.from(r.lenDelimited()) }),
  9: (r) => ({ LogIDNew: utf8(r.lenDelimited()) }),
};

/** Decode bytes into a Frame; throws on malformed input or missing required fields. */
export function decodeFrame(buf: Uint8Array): Frame {
  const r = new Reader(buf);
  const f: Partial<Frame> & { headers: FrameHeader[] } = { headers: [] };
  while (!r.done) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const read = FRAME_FIELDS[field];
    if (field === 5) f.headers.push(decodeHeader(r.lenDelimited()));
    else if (read) Object.assign(f, read(r));
    else r.skip(tag & 7);
  }
  for (const req of ['SeqID', 'LogID', 'service', 'method'] as const) {
    if (f[req] === undefined) throw new Error(`pbbp2: Frame missing required '${req}'`);
  }
  return f as Frame;
}

/** Header lookup helper (first match). */
export function headerValue(frame: Frame, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value;
}
