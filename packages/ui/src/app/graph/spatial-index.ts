/**
 * A uniform grid over points, stored flat (cell start offsets and point indices, counting-sorted):
 * the hit test under the pointer and the set of entities inside the viewport each touch only the
 * cells they overlap. Building it for 10,000 points takes well under a millisecond.
 */
export class SpatialIndex {
  readonly #x: Float32Array;
  readonly #y: Float32Array;
  readonly #cellSize: number;
  readonly #minX: number;
  readonly #minY: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #cellStart: Int32Array;
  readonly #items: Int32Array;

  /** Indexes every point whose coordinates are finite; others (NaN) are left out. */
  constructor(x: Float32Array, y: Float32Array, cellSize: number) {
    this.#x = x;
    this.#y = y;
    this.#cellSize = cellSize;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < x.length; i++) {
      const px = x[i] as number;
      const py = y[i] as number;
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      if (px < minX) minX = px;
      if (py < minY) minY = py;
      if (px > maxX) maxX = px;
      if (py > maxY) maxY = py;
    }
    if (minX === Infinity) {
      minX = minY = 0;
      maxX = maxY = 0;
    }
    this.#minX = minX;
    this.#minY = minY;
    this.#cols = Math.max(1, Math.floor((maxX - minX) / cellSize) + 1);
    this.#rows = Math.max(1, Math.floor((maxY - minY) / cellSize) + 1);
    const cells = this.#cols * this.#rows;
    const counts = new Int32Array(cells + 1);
    const cellOf = new Int32Array(x.length).fill(-1);
    for (let i = 0; i < x.length; i++) {
      const c = this.#cell(x[i] as number, y[i] as number);
      if (c < 0) continue;
      cellOf[i] = c;
      counts[c + 1] = (counts[c + 1] as number) + 1;
    }
    for (let c = 0; c < cells; c++) counts[c + 1] = (counts[c + 1] as number) + (counts[c] as number);
    this.#cellStart = counts;
    const fill = counts.slice(0, cells);
    this.#items = new Int32Array(counts[cells] as number);
    for (let i = 0; i < x.length; i++) {
      const c = cellOf[i] as number;
      if (c < 0) continue;
      this.#items[fill[c] as number] = i;
      fill[c] = (fill[c] as number) + 1;
    }
  }

  /** Number of indexed points. */
  get size(): number {
    return this.#items.length;
  }

  #cell(px: number, py: number): number {
    if (!Number.isFinite(px) || !Number.isFinite(py)) return -1;
    const cx = Math.floor((px - this.#minX) / this.#cellSize);
    const cy = Math.floor((py - this.#minY) / this.#cellSize);
    if (cx < 0 || cy < 0 || cx >= this.#cols || cy >= this.#rows) return -1;
    return cy * this.#cols + cx;
  }

  /** Calls `visit` for every point inside the rectangle (inclusive). */
  forEachInRect(minX: number, minY: number, maxX: number, maxY: number, visit: (i: number) => void): void {
    const c0 = Math.max(0, Math.floor((minX - this.#minX) / this.#cellSize));
    const r0 = Math.max(0, Math.floor((minY - this.#minY) / this.#cellSize));
    const c1 = Math.min(this.#cols - 1, Math.floor((maxX - this.#minX) / this.#cellSize));
    const r1 = Math.min(this.#rows - 1, Math.floor((maxY - this.#minY) / this.#cellSize));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.#cols + c;
        const end = this.#cellStart[cell + 1] as number;
        for (let k = this.#cellStart[cell] as number; k < end; k++) {
          const i = this.#items[k] as number;
          const px = this.#x[i] as number;
          const py = this.#y[i] as number;
          if (px >= minX && px <= maxX && py >= minY && py <= maxY) visit(i);
        }
      }
    }
  }

  /** The point nearest to (px, py) within `radius`, or -1. Ties go to the lower index. */
  nearest(px: number, py: number, radius: number): number {
    let best = -1;
    let bestD = radius * radius;
    this.forEachInRect(px - radius, py - radius, px + radius, py + radius, (i) => {
      const dx = (this.#x[i] as number) - px;
      const dy = (this.#y[i] as number) - py;
      const d = dx * dx + dy * dy;
      if (d < bestD || (d === bestD && (best < 0 || i < best))) {
        bestD = d;
        best = i;
      }
    });
    return best;
  }
}
