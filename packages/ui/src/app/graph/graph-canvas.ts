import { type GraphModel } from "./graph-model.js";
import { HIGHLIGHT, kindColor, relationColor } from "./graph-style.js";
import { CELL_SIZE, type Layout } from "./layout.js";
import { SpatialIndex } from "./spatial-index.js";
import {
  centreOn,
  fitRect,
  panBy,
  toScreen,
  toWorld,
  visibleWorldRect,
  zoomAt,
  type Viewport,
} from "./viewport.js";

/** Entity radius in world units. */
const NODE_RADIUS = 7;
/** Below this scale only edges of highlighted entities are drawn: the rest would be a grey haze. */
const ALL_EDGES_MIN_SCALE = 0.3;
/** Entity names are drawn from this scale up, cut to the width of their cell. */
const LABEL_MIN_SCALE = 1.5;
/** Approximate advance of one character of the 11px label font. */
const LABEL_CHAR_PX = 6.2;
const MAX_LABELS_PER_FRAME = 1500;
const MAX_EDGES_PER_FRAME = 40_000;
const FRAME_SAMPLES = 600;
const CLICK_SLOP_PX = 4;

export interface GraphHighlights {
  readonly symptomatic: ReadonlySet<number>;
  readonly rootCauses: ReadonlySet<number>;
  readonly matches: ReadonlySet<number>;
  readonly selected: number;
}

/** Rendering figures, read by the browser test and the benchmark. */
export interface GraphStats {
  frames: number;
  lastFrameMs: number;
  /** Draw times of recent frames, ms. */
  readonly frameTimesMs: number[];
  entitiesDrawn: number;
  edgesDrawn: number;
  /** When the first frame with a full graph finished (performance.now()), or 0. */
  firstFullRenderAtMs: number;
}

const EMPTY: GraphHighlights = {
  symptomatic: new Set(),
  rootCauses: new Set(),
  matches: new Set(),
  selected: -1,
};

/**
 * The topology on a <canvas>: pan by dragging or with the arrow keys, zoom with the wheel or +/-,
 * click (or Enter at the centre) to select. Draws only what is inside the viewport (found through
 * a grid index), batches fills per colour, culls edges outside the viewport and, when zoomed out,
 * draws only the edges of highlighted entities. Redraws on demand in an animation frame.
 */
export class GraphCanvas {
  readonly canvas: HTMLCanvasElement;
  readonly stats: GraphStats = {
    frames: 0,
    lastFrameMs: 0,
    frameTimesMs: [],
    entitiesDrawn: 0,
    edgesDrawn: 0,
    firstFullRenderAtMs: 0,
  };
  readonly #container: HTMLElement;
  readonly #tooltip: HTMLDivElement;
  readonly #onSelect: (index: number) => void;
  readonly #resizeObserver: ResizeObserver;
  #model: GraphModel | undefined;
  #layout: Layout | undefined;
  #index: SpatialIndex | undefined;
  #kindOf: Uint8Array = new Uint8Array(0);
  #kindColors: string[] = [];
  #highlights: GraphHighlights = EMPTY;
  #viewport: Viewport = { scale: 1, offsetX: 0, offsetY: 0 };
  #fitted = false;
  #width = 0;
  #height = 0;
  #dirty = false;
  #frameRequest = 0;
  #hover = -1;
  #drag: { x: number; y: number; moved: boolean; pointerId: number } | undefined;

  constructor(
    container: HTMLElement,
    options: { readonly onSelect: (index: number) => void; readonly label: string },
  ) {
    this.#container = container;
    this.#onSelect = options.onSelect;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "graph-canvas";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", options.label);
    this.#tooltip = document.createElement("div");
    this.#tooltip.className = "graph-tooltip";
    this.#tooltip.hidden = true;
    container.append(this.canvas, this.#tooltip);
    this.#resizeObserver = new ResizeObserver(() => this.#resize());
    this.#resizeObserver.observe(container);
    this.#bindInput();
    this.#resize();
  }

  get viewport(): Viewport {
    return this.#viewport;
  }

  /** Shows a new graph; keeps the view unless it is the first, which is fitted to the screen. */
  setGraph(model: GraphModel, layout: Layout, options: { readonly refit?: boolean } = {}): void {
    this.#model = model;
    this.#layout = layout;
    this.#index = new SpatialIndex(layout.x, layout.y, CELL_SIZE * 4);
    const kinds = new Map<string, number>();
    this.#kindColors = [];
    this.#kindOf = new Uint8Array(model.size);
    for (let i = 0; i < model.size; i++) {
      const k = model.kinds[i] as string;
      let ki = kinds.get(k);
      if (ki === undefined) {
        ki = Math.min(kinds.size, 255);
        kinds.set(k, ki);
        this.#kindColors[ki] = kindColor(k);
      }
      this.#kindOf[i] = ki;
    }
    this.#hover = -1;
    if (!this.#fitted || options.refit) this.fit();
    this.#invalidate();
  }

  setHighlights(highlights: GraphHighlights): void {
    this.#highlights = highlights;
    this.#invalidate();
  }

  fit(): void {
    const layout = this.#layout;
    if (!layout || this.#width === 0) return;
    this.#viewport = fitRect(
      { x: 0, y: 0, width: layout.width, height: layout.height },
      this.#width,
      this.#height,
    );
    this.#fitted = true;
    this.#invalidate();
  }

  /** Centres an entity, zooming in far enough to read names. */
  focus(index: number): void {
    const layout = this.#layout;
    if (!layout) return;
    const x = layout.x[index] as number;
    const y = layout.y[index] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    this.#viewport = centreOn(
      this.#viewport,
      x,
      y,
      this.#width,
      this.#height,
      Math.max(this.#viewport.scale, 1.2),
    );
    this.#invalidate();
  }

  panBy(dx: number, dy: number): void {
    this.#viewport = panBy(this.#viewport, dx, dy);
    this.#invalidate();
  }

  zoomBy(factor: number, sx = this.#width / 2, sy = this.#height / 2): void {
    this.#viewport = zoomAt(this.#viewport, factor, sx, sy);
    this.#invalidate();
  }

  /** The entity under a screen point, or -1. */
  hitTest(sx: number, sy: number): number {
    if (!this.#index) return -1;
    const [wx, wy] = toWorld(this.#viewport, sx, sy);
    const radius = Math.max(NODE_RADIUS + 2, 6 / this.#viewport.scale);
    return this.#index.nearest(wx, wy, radius);
  }

  /** Where an entity is on screen, or undefined when it is not laid out. */
  screenPosition(index: number): [number, number] | undefined {
    const layout = this.#layout;
    if (!layout) return undefined;
    const x = layout.x[index] as number;
    const y = layout.y[index] as number;
    if (!Number.isFinite(x)) return undefined;
    return toScreen(this.#viewport, x, y);
  }

  /** Draws now, synchronously (the benchmark and tests time this). */
  renderNow(): void {
    if (this.#frameRequest) cancelAnimationFrame(this.#frameRequest);
    this.#frameRequest = 0;
    this.#draw();
  }

  destroy(): void {
    this.#resizeObserver.disconnect();
    if (this.#frameRequest) cancelAnimationFrame(this.#frameRequest);
    this.canvas.remove();
    this.#tooltip.remove();
  }

  #invalidate(): void {
    this.#dirty = true;
    if (this.#frameRequest) return;
    this.#frameRequest = requestAnimationFrame(() => {
      this.#frameRequest = 0;
      if (this.#dirty) this.#draw();
    });
  }

  #resize(): void {
    const rect = this.#container.getBoundingClientRect();
    const width = Math.max(1, Math.floor(rect.width));
    const height = Math.max(1, Math.floor(rect.height));
    if (width === this.#width && height === this.#height) return;
    const dpr = window.devicePixelRatio || 1;
    // Keep what was in the middle in the middle (the detail panel opening narrows the canvas).
    if (this.#width > 0)
      this.#viewport = panBy(this.#viewport, (width - this.#width) / 2, (height - this.#height) / 2);
    this.#width = width;
    this.#height = height;
    this.canvas.width = Math.floor(width * dpr);
    this.canvas.height = Math.floor(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    if (!this.#fitted && this.#layout) this.fit();
    this.#invalidate();
  }

  #bindInput(): void {
    const c = this.canvas;
    const local = (e: MouseEvent): [number, number] => {
      const r = c.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    c.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      c.setPointerCapture(e.pointerId);
      this.#drag = { x: e.clientX, y: e.clientY, moved: false, pointerId: e.pointerId };
    });
    c.addEventListener("pointermove", (e) => {
      const d = this.#drag;
      if (d && d.pointerId === e.pointerId) {
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (!d.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
        d.moved = true;
        d.x = e.clientX;
        d.y = e.clientY;
        this.panBy(dx, dy);
        this.#tooltip.hidden = true;
        return;
      }
      const [sx, sy] = local(e);
      this.#setHover(this.hitTest(sx, sy), sx, sy);
    });
    const end = (e: PointerEvent) => {
      const d = this.#drag;
      if (!d || d.pointerId !== e.pointerId) return;
      this.#drag = undefined;
      if (c.hasPointerCapture(e.pointerId)) c.releasePointerCapture(e.pointerId);
      if (!d.moved && e.type === "pointerup") {
        const [sx, sy] = local(e);
        const hit = this.hitTest(sx, sy);
        if (hit >= 0) this.#onSelect(hit);
      }
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("pointerleave", () => this.#setHover(-1, 0, 0));
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const [sx, sy] = local(e);
        const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
        this.zoomBy(Math.exp(-delta * 0.0015), sx, sy);
      },
      { passive: false },
    );
    c.addEventListener("keydown", (e) => {
      const step = 60;
      const keys: Record<string, () => void> = {
        ArrowLeft: () => this.panBy(step, 0),
        ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step),
        ArrowDown: () => this.panBy(0, -step),
        "+": () => this.zoomBy(1.25),
        "=": () => this.zoomBy(1.25),
        "-": () => this.zoomBy(0.8),
        "0": () => this.fit(),
        Enter: () => {
          const hit = this.hitTest(this.#width / 2, this.#height / 2);
          if (hit >= 0) this.#onSelect(hit);
        },
      };
      const action = keys[e.key];
      if (!action) return;
      e.preventDefault();
      action();
    });
  }

  #setHover(index: number, sx: number, sy: number): void {
    if (index === this.#hover && index < 0) return;
    this.#hover = index;
    const model = this.#model;
    if (index < 0 || !model) {
      this.#tooltip.hidden = true;
      this.canvas.style.cursor = "grab";
      return;
    }
    this.canvas.style.cursor = "pointer";
    this.#tooltip.textContent = `${model.kinds[index] ?? ""} ${model.names[index] ?? ""}`;
    this.#tooltip.style.left = `${Math.min(sx + 12, this.#width - 220)}px`;
    this.#tooltip.style.top = `${sy + 12}px`;
    this.#tooltip.hidden = false;
  }

  #draw(): void {
    const started = performance.now();
    this.#dirty = false;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const dpr = this.canvas.width / Math.max(1, this.#width);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#f8fafc";
    ctx.fillRect(0, 0, this.#width, this.#height);
    const model = this.#model;
    const layout = this.#layout;
    const index = this.#index;
    if (!model || !layout || !index) return;
    const v = this.#viewport;
    const s = v.scale;
    const [minX, minY, maxX, maxY] = visibleWorldRect(v, this.#width, this.#height);
    const margin = NODE_RADIUS * 2;

    // Namespace boxes and their titles.
    ctx.lineWidth = 1;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "top";
    for (const g of layout.groups) {
      if (g.x > maxX || g.y > maxY || g.x + g.width < minX || g.y + g.height < minY) continue;
      const [x0, y0] = toScreen(v, g.x, g.y);
      const w = g.width * s;
      const hgt = g.height * s;
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(x0, y0, w, hgt);
      ctx.strokeStyle = "#cbd5e1";
      ctx.strokeRect(x0 + 0.5, y0 + 0.5, w, hgt);
      if (w > 40 && hgt > 14) {
        ctx.fillStyle = "#334155";
        ctx.fillText(`${g.label} (${g.count})`, x0 + 4, y0 + 3, Math.max(10, w - 8));
      }
    }

    // Edges.
    const hl = this.#highlights;
    const emphasised = new Set<number>();
    if (hl.selected >= 0) emphasised.add(hl.selected);
    const allEdges = s >= ALL_EDGES_MIN_SCALE;
    let edgesDrawn = 0;
    const byType = new Map<number, number[]>();
    const selectedEdges: number[] = [];
    const typeDrawn = model.edgeTypes.map((t) => relationColor(t) !== null);
    for (let e = 0; e < model.edgeCount && edgesDrawn < MAX_EDGES_PER_FRAME; e++) {
      const a = model.edgeFrom[e] as number;
      const b = model.edgeTo[e] as number;
      const ax = layout.x[a] as number;
      const bx = layout.x[b] as number;
      if (!Number.isFinite(ax) || !Number.isFinite(bx)) continue;
      const t = model.edgeType[e] as number;
      const ay = layout.y[a] as number;
      const by = layout.y[b] as number;
      if (
        Math.max(ax, bx) < minX ||
        Math.min(ax, bx) > maxX ||
        Math.max(ay, by) < minY ||
        Math.min(ay, by) > maxY
      )
        continue;
      if (emphasised.has(a) || emphasised.has(b)) {
        if (model.edgeTypes[t] !== "in-namespace") selectedEdges.push(e);
        continue;
      }
      if (!allEdges || !typeDrawn[t]) continue;
      let list = byType.get(t);
      if (!list) {
        list = [];
        byType.set(t, list);
      }
      list.push(e);
      edgesDrawn++;
    }
    ctx.lineWidth = 1;
    for (const [t, list] of byType) {
      const color = relationColor(model.edgeTypes[t] as string);
      if (!color) continue;
      ctx.strokeStyle = color;
      ctx.beginPath();
      for (const e of list) this.#edgePath(ctx, e);
      ctx.stroke();
    }
    if (selectedEdges.length > 0) {
      ctx.strokeStyle = HIGHLIGHT.selectedEdge;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (const e of selectedEdges) this.#edgePath(ctx, e);
      ctx.stroke();
      edgesDrawn += selectedEdges.length;
    }

    // Entities, one path per kind colour.
    const r = NODE_RADIUS * s;
    const buckets: number[][] = this.#kindColors.map(() => []);
    let entitiesDrawn = 0;
    index.forEachInRect(minX - margin, minY - margin, maxX + margin, maxY + margin, (i) => {
      (buckets[this.#kindOf[i] as number] as number[]).push(i);
      entitiesDrawn++;
    });
    const ox = v.offsetX;
    const oy = v.offsetY;
    const drawShape = (i: number, radius: number) => {
      const sx = (layout.x[i] as number) * s + ox;
      const sy = (layout.y[i] as number) * s + oy;
      if (radius < 2.5) {
        const side = Math.max(1.5, radius * 1.8);
        ctx.rect(sx - side / 2, sy - side / 2, side, side);
      } else {
        ctx.moveTo(sx + radius, sy);
        ctx.arc(sx, sy, radius, 0, Math.PI * 2);
      }
    };
    buckets.forEach((list, k) => {
      if (list.length === 0) return;
      ctx.fillStyle = this.#kindColors[k] as string;
      ctx.beginPath();
      for (const i of list) drawShape(i, r);
      ctx.fill();
    });

    // Rings: symptoms, search matches, root causes, the selection (always visible, even zoomed out).
    const ring = (set: Iterable<number>, color: string, extraPx: number, width: number) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      for (const i of set) {
        const x = layout.x[i] as number;
        const y = layout.y[i] as number;
        if (
          !Number.isFinite(x) ||
          x < minX - margin ||
          x > maxX + margin ||
          y < minY - margin ||
          y > maxY + margin
        )
          continue;
        const [sx, sy] = toScreen(v, x, y);
        const radius = Math.max(r, 2) + extraPx;
        ctx.moveTo(sx + radius, sy);
        ctx.arc(sx, sy, radius, 0, Math.PI * 2);
      }
      ctx.stroke();
    };
    ring(hl.symptomatic, HIGHLIGHT.symptom, 2, 2);
    ring(hl.matches, HIGHLIGHT.match, 4, 2);
    ring(hl.rootCauses, HIGHLIGHT.rootCause, 5, 3);
    if (hl.selected >= 0) ring([hl.selected], HIGHLIGHT.selected, 7, 3);

    // Names: visible ones cut to their cell when zoomed in; root causes and the selection whole, always.
    ctx.textBaseline = "top";
    ctx.textAlign = "center";
    const label = (i: number, maxChars: number, boxed: boolean) => {
      const x = layout.x[i] as number;
      const y = layout.y[i] as number;
      if (!Number.isFinite(x) || x < minX || x > maxX || y < minY || y > maxY) return;
      const sx = x * s + ox;
      const sy = y * s + oy + Math.max(r, 2) + 3;
      const name = model.names[i] as string;
      const text = name.length > maxChars ? `${name.slice(0, Math.max(1, maxChars - 1))}…` : name;
      if (boxed) {
        const w = ctx.measureText(text).width + 6;
        ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
        ctx.fillRect(sx - w / 2, sy - 1, w, 15);
      }
      ctx.fillStyle = "#0f172a";
      ctx.fillText(text, sx, sy);
    };
    if (s >= LABEL_MIN_SCALE) {
      ctx.font = "11px system-ui, sans-serif";
      const maxChars = Math.max(3, Math.floor((CELL_SIZE * s) / LABEL_CHAR_PX));
      let labels = 0;
      for (const list of buckets) {
        for (const i of list) {
          if (labels++ >= MAX_LABELS_PER_FRAME) break;
          if (!hl.rootCauses.has(i) && i !== hl.selected) label(i, maxChars, false);
        }
      }
    }
    ctx.font = "bold 12px system-ui, sans-serif";
    for (const i of hl.rootCauses) if (i !== hl.selected) label(i, 40, true);
    if (hl.selected >= 0) label(hl.selected, 60, true);
    ctx.textAlign = "start";

    const elapsed = performance.now() - started;
    this.stats.frames++;
    this.stats.lastFrameMs = elapsed;
    this.stats.entitiesDrawn = entitiesDrawn;
    this.stats.edgesDrawn = edgesDrawn;
    this.stats.frameTimesMs.push(elapsed);
    if (this.stats.frameTimesMs.length > FRAME_SAMPLES) this.stats.frameTimesMs.shift();
    if (this.stats.firstFullRenderAtMs === 0 && layout.placed > 0 && entitiesDrawn > 0)
      this.stats.firstFullRenderAtMs = performance.now();
  }

  #edgePath(ctx: CanvasRenderingContext2D, e: number): void {
    const model = this.#model as GraphModel;
    const layout = this.#layout as Layout;
    const { scale, offsetX, offsetY } = this.#viewport;
    const a = model.edgeFrom[e] as number;
    const b = model.edgeTo[e] as number;
    ctx.moveTo((layout.x[a] as number) * scale + offsetX, (layout.y[a] as number) * scale + offsetY);
    ctx.lineTo((layout.x[b] as number) * scale + offsetX, (layout.y[b] as number) * scale + offsetY);
  }
}
