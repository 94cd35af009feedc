// bench:ui. The web UI in Debian's headless Chromium against a real mediator holding 10,000
// entities (the browser test's stack):
// - the time from navigation to the first frame with the whole graph drawn (fetch, parse, layout,
//   draw), as the page measures it (performance.now() from navigation start);
// - the frame time while panning: each frame moved, drawn and read back from the canvas (the
//   read-back forces rasterisation, which the draw call alone defers), fitted (all 10,000 entities
//   on screen) and zoomed in (labels and edges), and the draw time alone of frames produced by
//   dragging with the mouse.
// Last line: key=value figures.
import { checkChromium, launchChromium } from "../../test/ui/browser.js";
import { startUiStack } from "../../test/ui/ui-stack.js";

const ENTITIES = Number(process.env.UI_BENCH_ENTITIES ?? 10_000);
const RUNS = Number(process.env.UI_BENCH_RUNS ?? 3);
const PAN_STEPS = 120;

/** The figures the page exposes, read in the page (this file is typechecked without the DOM). */
interface PageDebug {
  readonly causewayDebug?: {
    readonly topology: {
      readonly loadMs: number;
      readonly layoutMs: number;
      readonly entities: number;
      readonly graph: {
        readonly stats: {
          readonly frameTimesMs: number[];
          readonly firstFullRenderAtMs: number;
          readonly entitiesDrawn: number;
        };
        readonly viewport: { readonly scale: number };
        zoomBy(factor: number): void;
        panBy(dx: number, dy: number): void;
        renderNow(): void;
      };
    };
  };
  requestAnimationFrame(callback: () => void): number;
  readonly document: {
    querySelector(selector: string): {
      getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): unknown } | null;
    } | null;
  };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (n: number) => Math.round(n * 100) / 100;

const chromium = checkChromium();
if (!chromium.ok) {
  console.error(`bench:ui: ${chromium.reason}`);
  process.exit(1);
}
const stack = await startUiStack({ entities: ENTITIES });
const browser = await launchChromium();
try {
  const firstRenders: number[] = [];
  const layouts: number[] = [];
  const loads: number[] = [];
  const fittedFrames: number[] = [];
  const zoomedFrames: number[] = [];
  const draws: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.context.newPage();
    await page.goto(`${stack.baseUrl}/ui/`);
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as PageDebug).causewayDebug?.topology.graph.stats.firstFullRenderAtMs ?? 0) >
        0,
      null,
      { timeout: 60_000 },
    );
    const first = await page.evaluate(() => {
      const t = (globalThis as unknown as PageDebug).causewayDebug?.topology;
      return {
        firstRenderMs: t?.graph.stats.firstFullRenderAtMs ?? Number.NaN,
        layoutMs: t?.layoutMs ?? Number.NaN,
        loadMs: t?.loadMs ?? Number.NaN,
        entities: t?.entities ?? 0,
        drawn: t?.graph.stats.entitiesDrawn ?? 0,
      };
    });
    if (first.entities !== ENTITIES || first.drawn !== ENTITIES)
      throw new Error(`expected ${ENTITIES} entities drawn, got ${first.drawn} of ${first.entities}`);
    firstRenders.push(first.firstRenderMs);
    layouts.push(first.layoutMs);
    loads.push(first.loadMs);
    console.log(
      `run ${run + 1}: first full render ${round(first.firstRenderMs)} ms (fetch+parse ${round(first.loadMs)} ms, layout ${round(first.layoutMs)} ms)`,
    );

    const box = await page.locator("canvas.graph-canvas").boundingBox();
    if (!box) throw new Error("no canvas");
    // Programmatic panning: move, draw, read a pixel back (forces the raster), per frame.
    const framed = (steps: number): Promise<number[]> =>
      page.evaluate((n) => {
        const g = globalThis as unknown as PageDebug;
        const graph = g.causewayDebug?.topology.graph;
        const ctx = g.document.querySelector("canvas.graph-canvas")?.getContext("2d");
        if (!graph || !ctx) throw new Error("no graph");
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const a = (i / n) * Math.PI * 2;
          const t0 = performance.now();
          graph.panBy(Math.cos(a) * 12, Math.sin(a) * 9);
          graph.renderNow();
          ctx.getImageData(0, 0, 1, 1);
          times.push(performance.now() - t0);
        }
        return times;
      }, steps);
    // Mouse dragging: the draw time of the frames the app renders on its own.
    const dragged = async (): Promise<number[]> => {
      const before = await page.evaluate(
        () =>
          (globalThis as unknown as PageDebug).causewayDebug?.topology.graph.stats.frameTimesMs.length ?? 0,
      );
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let i = 1; i <= PAN_STEPS; i++) {
        const a = (i / PAN_STEPS) * Math.PI * 2;
        await page.mouse.move(cx + Math.cos(a) * 200 - 200, cy + Math.sin(a) * 150);
        await page.evaluate(
          () =>
            new Promise((r) =>
              (globalThis as unknown as PageDebug).requestAnimationFrame(() => r(undefined)),
            ),
        );
      }
      await page.mouse.up();
      return page.evaluate(
        (from) =>
          (globalThis as unknown as PageDebug).causewayDebug?.topology.graph.stats.frameTimesMs.slice(from) ??
          [],
        before,
      );
    };
    const fitted = await framed(PAN_STEPS);
    const fittedDraw = await dragged();
    await page.evaluate(() => (globalThis as unknown as PageDebug).causewayDebug?.topology.graph.zoomBy(12));
    const zoomed = await framed(PAN_STEPS);
    fittedFrames.push(...fitted);
    zoomedFrames.push(...zoomed);
    draws.push(...fittedDraw);
    console.log(
      `run ${run + 1}: panning fitted: frame median ${round(quantile(fitted, 0.5))} ms (draw only, mouse-driven: ${round(quantile(fittedDraw, 0.5))} ms); zoomed in: frame median ${round(quantile(zoomed, 0.5))} ms`,
    );
    await page.close();
  }
  const figures = {
    entities: ENTITIES,
    first_render_ms: round(quantile(firstRenders, 0.5)),
    fetch_parse_ms: round(quantile(loads, 0.5)),
    layout_ms: round(quantile(layouts, 0.5)),
    pan_frame_median_ms: round(quantile(fittedFrames, 0.5)),
    pan_frame_p95_ms: round(quantile(fittedFrames, 0.95)),
    pan_draw_only_median_ms: round(quantile(draws, 0.5)),
    pan_zoomed_frame_median_ms: round(quantile(zoomedFrames, 0.5)),
    pan_zoomed_frame_p95_ms: round(quantile(zoomedFrames, 0.95)),
  };
  console.log(
    Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  );
} finally {
  await browser.close();
  await stack.close();
}
