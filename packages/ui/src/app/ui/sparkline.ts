/** What a sparkline shows: its polyline and the range it spans. */
export interface SparklineGeometry {
  /** SVG polyline points, `x,y x,y …`, within [0,width]×[0,height] (y grows downwards). */
  readonly points: string;
  readonly min: number;
  readonly max: number;
  readonly last: number;
  readonly count: number;
}

/**
 * Maps [unixMs, value] points onto a width×height box: time across, value up, with a flat line in
 * the middle when every value is the same. Points are thinned to about one per pixel column (the
 * extreme of each column kept) so a long series stays a short string.
 */
export function sparklineGeometry(
  points: readonly (readonly [number, number])[],
  width: number,
  height: number,
  inset = 1,
): SparklineGeometry | undefined {
  if (points.length === 0) return undefined;
  let t0 = Infinity;
  let t1 = -Infinity;
  let min = Infinity;
  let max = -Infinity;
  for (const [t, v] of points) {
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const innerW = Math.max(1, width - 2 * inset);
  const innerH = Math.max(1, height - 2 * inset);
  const spanT = t1 - t0;
  const spanV = max - min;
  const xOf = (t: number) => inset + (spanT > 0 ? ((t - t0) / spanT) * innerW : innerW / 2);
  const yOf = (v: number) => inset + (spanV > 0 ? (1 - (v - min) / spanV) * innerH : innerH / 2);
  const out: string[] = [];
  let column = -1;
  let lo: [number, number] | undefined;
  let hi: [number, number] | undefined;
  const flush = () => {
    if (!lo || !hi) return;
    const pair = lo[0] <= hi[0] ? [lo, hi] : [hi, lo];
    for (const [t, v] of lo === hi ? [lo] : pair) out.push(`${xOf(t).toFixed(1)},${yOf(v).toFixed(1)}`);
  };
  for (const p of points) {
    const col = Math.floor(xOf(p[0]));
    if (col !== column) {
      flush();
      column = col;
      lo = [p[0], p[1]];
      hi = lo;
      continue;
    }
    if (lo && p[1] < lo[1]) lo = [p[0], p[1]];
    if (hi && p[1] > hi[1]) hi = [p[0], p[1]];
  }
  flush();
  return {
    points: out.join(" "),
    min,
    max,
    last: (points[points.length - 1] as readonly [number, number])[1],
    count: points.length,
  };
}
