import { describe, expect, it } from "vitest";
import { formatIpv6 } from "./decode-record.js";
import { FrameDecoder } from "./frame-decoder.js";
import { RECORD_LAYOUTS } from "./layout.js";

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(payload.length);
  return Buffer.concat([header, payload]);
}

function intervalEnd(cgroups: number, lost: bigint): Buffer {
  const f = RECORD_LAYOUTS.cw_interval_end.fields;
  const b = Buffer.alloc(RECORD_LAYOUTS.cw_interval_end.size);
  b.writeUInt32LE(RECORD_LAYOUTS.cw_interval_end.type, f.type.offset);
  b.writeUInt32LE(cgroups, f.cgroups.offset);
  b.writeBigUInt64LE(lost, f.events_lost.offset);
  return b;
}

describe("FrameDecoder", () => {
  it("skips an unknown record type and keeps decoding after it", () => {
    const unknown = Buffer.alloc(12);
    unknown.writeUInt32LE(999, 0);
    const out = new FrameDecoder().push(Buffer.concat([frame(unknown), frame(intervalEnd(2, 5n))]));
    expect(out).toEqual([
      { ok: false, fatal: false, error: "unknown record type 999" },
      { ok: true, record: { kind: "interval-end", cgroups: 2, tsNs: 0n, eventsLost: 5 } },
    ]);
  });

  it("rejects a record whose size does not match its type", () => {
    const short = intervalEnd(1, 0n).subarray(0, 16);
    const [out] = new FrameDecoder().push(frame(short));
    expect(out).toEqual({ ok: false, fatal: false, error: "record type 8 has 16 bytes, expected 24" });
  });

  it("stops for good on an impossible frame length", () => {
    const decoder = new FrameDecoder();
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(1 << 30, 0);
    expect(decoder.push(bad)).toEqual([
      { ok: false, fatal: true, error: "frame length 1073741824 outside 4..4096" },
    ]);
    expect(decoder.push(frame(intervalEnd(1, 0n)))).toEqual([]);
  });

  it("holds a partial frame until the rest arrives", () => {
    const decoder = new FrameDecoder();
    const whole = frame(intervalEnd(3, 0n));
    expect(decoder.push(whole.subarray(0, 10))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(10);
    const out = decoder.push(whole.subarray(10));
    expect(out).toHaveLength(1);
    expect(decoder.bufferedBytes).toBe(0);
  });
});

describe("formatIpv6", () => {
  const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"));
  it.each([
    ["00000000000000000000000000000001", "::1"],
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["20010db8000000010000000000000002", "2001:db8:0:1::2"],
    ["00000000000000000000ffff7f000001", "::ffff:127.0.0.1"],
    ["fe800000000000000000000000000000", "fe80::"],
    ["20010db8000100020003000400050006", "2001:db8:1:2:3:4:5:6"],
  ])("%s -> %s", (hex, text) => {
    expect(formatIpv6(bytes(hex))).toBe(text);
  });
});
