const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };

/** Parses a Kubernetes quantity (`160Mi`, `1G`, `500m`, `0.5`) into a number of base units. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return undefined;
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? "";
  const factor = suffix === "" ? 1 : (BINARY[suffix] ?? DECIMAL[suffix]);
  return factor === undefined || Number.isNaN(n) ? undefined : n * factor;
}

/** CPU quantity → millicores. */
export function cpuMillicores(q: unknown): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.round(v * 1000);
}
