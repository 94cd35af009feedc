import { OtlpDecodeError } from "./otlp-decode-error.js";

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Messages nested deeper than this are refused, as protobuf's reference parsers do by default. */
export const MAX_MESSAGE_DEPTH = 100;

/** The value of a field's tag, as `WireCursor.tag` returns it. */
export function tagOf(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

function malformed(what: string, at: number): OtlpDecodeError {
  return new OtlpDecodeError(`malformed OTLP protobuf: ${what} at byte ${at}`);
}

/**
 * Reads the protobuf wire format from one buffer. Every read is bounded by `end`, the end of the
 * enclosing message, so nothing is read past it; anything malformed throws OtlpDecodeError.
 */
export class WireCursor {
  readonly buf: Buffer;
  pos = 0;
  /** Low and high 32 bits (unsigned) of the last varint read by `varint64`. */
  lo = 0;
  hi = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** A field tag; its field number is never 0. The caller has checked that `pos < end`. */
  tag(end: number): number {
    const buf = this.buf;
    let p = this.pos;
    let b = buf[p++]!;
    let tag = b & 0x7f;
    if (b >= 0x80) {
      // A tag is a uint32: at most 5 bytes, the fifth carrying 4 bits.
      for (let shift = 7; ; shift += 7) {
        if (p >= end) throw malformed("truncated tag", p);
        b = buf[p++]!;
        if (shift === 28) {
          if (b > 0x0f) throw malformed("tag beyond 32 bits", p - 1);
          tag += b * 0x10000000;
          break;
        }
        tag |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    if (tag < 8) throw malformed("field number 0", this.pos);
    this.pos = p;
    return tag;
  }

  /** A varint of up to 10 bytes into `lo` and `hi`; bits past 64 are dropped, as protobuf does. */
  varint64(end: number): void {
    const buf = this.buf;
    let p = this.pos;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) throw malformed("truncated varint", p);
      b = buf[p++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = p;
        return;
      }
    }
    if (p >= end) throw malformed("truncated varint", p);
    b = buf[p++]!;
    this.lo = (lo | ((b & 0x7f) << 28)) >>> 0;
    let hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw malformed("varint longer than 10 bytes", p);
        if (p >= end) throw malformed("truncated varint", p);
        b = buf[p++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.hi = hi >>> 0;
    this.pos = p;
  }

  /** An int32 or enum: the low 32 bits of a varint, signed. */
  int32(end: number): number {
    if (this.pos < end) {
      const b = this.buf[this.pos]!;
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    this.varint64(end);
    return this.lo | 0;
  }

  /** The length of a length-delimited field, checked against the enclosing message's end. */
  length(end: number): number {
    let len: number;
    const b = this.pos < end ? this.buf[this.pos]! : 0x80;
    if (b < 0x80) {
      this.pos++;
      len = b;
    } else {
      this.varint64(end);
      if (this.hi !== 0) throw malformed("length past the end of its message", this.pos);
      len = this.lo;
    }
    if (len > end - this.pos) throw malformed("length past the end of its message", this.pos);
    return len;
  }

  /** fixed64 as a number (exact below 2^53), the way protobufjs converts it. */
  fixed64(end: number): number {
    const p = this.pos;
    if (end - p < 8) throw malformed("truncated fixed64", p);
    this.pos = p + 8;
    return this.buf.readUInt32LE(p) + this.buf.readUInt32LE(p + 4) * 4294967296;
  }

  double(end: number): number {
    const p = this.pos;
    if (end - p < 8) throw malformed("truncated double", p);
    this.pos = p + 8;
    return this.buf.readDoubleLE(p);
  }

  /** Steps over a field's value by its wire type; groups are refused. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64(end);
        return;
      case WIRE_I64:
        if (end - this.pos < 8) throw malformed("truncated fixed64", this.pos);
        this.pos += 8;
        return;
      case WIRE_LEN: {
        const len = this.length(end);
        this.pos += len;
        return;
      }
      case WIRE_I32:
        if (end - this.pos < 4) throw malformed("truncated fixed32", this.pos);
        this.pos += 4;
        return;
      case 3:
      case 4:
        throw malformed("group (wire type 3/4, not used by OTLP)", this.pos);
      default:
        throw malformed(`invalid wire type ${wireType}`, this.pos);
    }
  }
}

/** A signed int64 from its two halves, converted to a number the way protobufjs does. */
export function int64ToNumber(lo: number, hi: number): number {
  if (hi >>> 31) {
    const l = (~lo + 1) >>> 0;
    let h = ~hi >>> 0;
    if (!l) h = (h + 1) >>> 0;
    return -(l + h * 4294967296);
  }
  return lo + hi * 4294967296;
}
