import { describe, expect, it } from "vitest";
import {
  formatAgo,
  formatBytes,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTimestamp,
  formatValue,
  shortHash,
} from "./format.js";

describe("format", () => {
  it("bytes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(268435456)).toBe("256 MiB");
    expect(formatBytes(12.5 * 1024 ** 3)).toBe("12.5 GiB");
    expect(formatBytes(-2048)).toBe("-2 KiB");
    expect(formatBytes(Number.NaN)).toBe("–");
  });

  it("percentages and durations", () => {
    expect(formatPercent(0.934)).toBe("93%");
    expect(formatPercent(0.05)).toBe("5.0%");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(0)).toBe("0%");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_400)).toBe("12 s");
    expect(formatDuration(4 * 60_000 + 5000)).toBe("4 min");
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe("3 h 5 min");
    expect(formatDuration(2 * 86_400_000)).toBe("2 d");
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000)).toBe("2 d 4 h");
  });

  it("relative and absolute times", () => {
    const now = 1_700_000_000_000;
    expect(formatAgo(now - 300, now)).toBe("just now");
    expect(formatAgo(now - 12_000, now)).toBe("12 s ago");
    expect(formatAgo(now + 180_000, now)).toBe("in 3 min");
    expect(formatAgo(0, now)).toBe("never");
    expect(formatTimestamp(Date.UTC(2025, 2, 1, 12, 4, 5))).toBe("2025-03-01 12:04:05Z");
    expect(formatTimestamp(0)).toBe("–");
  });

  it("hashes, numbers and series values with units", () => {
    expect(shortHash("a".repeat(64))).toBe(`${"a".repeat(12)}…`);
    expect(shortHash("abc")).toBe("abc");
    expect(formatNumber(12345)).toBe("12,345");
    expect(formatNumber(0.123456)).toBe("0.123");
    expect(formatValue(1024 * 1024, "bytes")).toBe("1 MiB");
    expect(formatValue(0.25, "ratio")).toBe("25%");
    expect(formatValue(1.5, "seconds")).toBe("1 s");
    expect(formatValue(3, "req/s")).toBe("3 req/s");
  });
});
