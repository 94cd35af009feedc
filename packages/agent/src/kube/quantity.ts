const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a Kubernetes resource quantity ("500m", "1.5", "128Mi", "1e9", "2G") into a number. */
export function parseQuantity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  const suffix = m[2] as string;
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return Number.isFinite(value) && factor !== undefined ? value * factor : undefined;
}

/** CPU quantity in millicores. */
export function cpuMillicores(text: string | undefined): number | undefined {
  const v = parseQuantity(text);
  return v === undefined ? undefined : Math.round(v * 1000);
}
