/** Prometheus text-format helpers. */

/** A metric or label name made valid: [a-zA-Z_:][a-zA-Z0-9_:]* */
export function sanitizeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[a-zA-Z_:]/.test(s) ? s : `_${s}`;
}

/** A label value escaped for the text format. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** `name{k="v",...} value timestampMs` */
export function sampleLine(
  name: string,
  labels: ReadonlyArray<readonly [string, string]>,
  value: number,
  timestampMs: number,
): string {
  const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
  const v = Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
  return `${name}${body ? `{${body}}` : ""} ${v} ${Math.round(timestampMs)}`;
}
