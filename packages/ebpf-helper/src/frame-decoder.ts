import { decodeRecord } from "./decode-record.js";
import { CW_CONSTANTS, FRAME_HEADER_BYTES } from "./layout.js";
import type { HelperRecord } from "./records.js";

export type FrameOutput =
  | { readonly ok: true; readonly record: HelperRecord }
  /** A well-framed record that could not be decoded; the stream continues after it. */
  | { readonly ok: false; readonly fatal: false; readonly error: string }
  /** The framing itself is broken; nothing after this point can be trusted. */
  | { readonly ok: false; readonly fatal: true; readonly error: string };

/**
 * Splits the helper's byte stream into length-prefixed frames and decodes each. Chunks may cut
 * frames anywhere.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  /** Feeds a chunk and returns every complete frame it finished. */
  push(chunk: Buffer): FrameOutput[] {
    if (this.broken) return [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: FrameOutput[] = [];
    let offset = 0;
    while (this.pending.length - offset >= FRAME_HEADER_BYTES) {
      const length = this.pending.readUInt32LE(offset);
      if (length < 4 || length > CW_CONSTANTS.CW_MAX_FRAME_BYTES) {
        this.broken = true;
        this.pending = Buffer.alloc(0);
        out.push({
          ok: false,
          fatal: true,
          error: `frame length ${length} outside 4..${CW_CONSTANTS.CW_MAX_FRAME_BYTES}`,
        });
        return out;
      }
      if (this.pending.length - offset - FRAME_HEADER_BYTES < length) break;
      const start = offset + FRAME_HEADER_BYTES;
      const payload = Buffer.from(this.pending.subarray(start, start + length));
      offset = start + length;
      const result = decodeRecord(payload);
      out.push(result.ok ? result : { ok: false, fatal: false, error: result.error });
    }
    this.pending = this.pending.subarray(offset);
    return out;
  }

  /** Bytes of an unfinished frame; non-zero at end of stream means the helper died mid-write. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}
