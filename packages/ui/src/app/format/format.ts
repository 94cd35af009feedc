// Formatting for tables and labels: short, unit-carrying, and stable for a given input.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** Bytes with a binary unit: `512 B`, `1.5 KiB`, `12 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? "-" : "";
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${value.toFixed(digits).replace(/\.0+$|(\.\d*[1-9])0+$/, "$1")} ${UNITS[unit]}`;
}

/** A 0..1 share as a percentage: `87%`, `4.2%`, `<0.1%`. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return "–";
  const p = share * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}

/** A duration: `850 ms`, `12 s`, `4 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const s = Math.floor(abs / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** How long ago: `just now`, `12 s ago`, `in 3 min` for the future (clock skew). */
export function formatAgo(unixMs: number, nowMs: number): string {
  if (!Number.isFinite(unixMs) || unixMs <= 0) return "never";
  const delta = nowMs - unixMs;
  if (Math.abs(delta) < 1000) return "just now";
  return delta > 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
}

/** A timestamp in UTC, to the second: `2025-03-01 12:04:05Z`. */
export function formatTimestamp(unixMs: number): string {
  if (!Number.isFinite(unixMs) || unixMs <= 0) return "–";
  return `${new Date(unixMs).toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** The first characters of a hex digest, enough to tell records apart on screen. */
export function shortHash(hex: string, length = 12): string {
  return hex.length > length ? `${hex.slice(0, length)}…` : hex;
}

/** A number for a table: integers with thin grouping, others to 3 significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(3)).toString();
}

/** A series value with its unit, scaled where the unit allows: bytes, seconds, ratios. */
export function formatValue(value: number, unit: string): string {
  if (unit === "bytes" || unit === "By") return formatBytes(value);
  if (unit === "seconds" || unit === "s") return formatDuration(value * 1000);
  if (unit === "ratio" || unit === "1") return formatPercent(value);
  return unit === "" ? formatNumber(value) : `${formatNumber(value)} ${unit}`;
}
