/** Screen = world × scale + offset. Immutable: every change returns a new viewport. */
export interface Viewport {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

export const MIN_SCALE = 0.005;
export const MAX_SCALE = 8;

export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

export function toScreen(v: Viewport, wx: number, wy: number): [number, number] {
  return [wx * v.scale + v.offsetX, wy * v.scale + v.offsetY];
}

export function toWorld(v: Viewport, sx: number, sy: number): [number, number] {
  return [(sx - v.offsetX) / v.scale, (sy - v.offsetY) / v.scale];
}

/** Zooms by `factor` keeping the world point under (sx, sy) where it is on screen. */
export function zoomAt(v: Viewport, factor: number, sx: number, sy: number): Viewport {
  const scale = clampScale(v.scale * factor);
  const [wx, wy] = toWorld(v, sx, sy);
  return { scale, offsetX: sx - wx * scale, offsetY: sy - wy * scale };
}

export function panBy(v: Viewport, dx: number, dy: number): Viewport {
  return { scale: v.scale, offsetX: v.offsetX + dx, offsetY: v.offsetY + dy };
}

/** The viewport that shows the world rectangle whole and centred, with `padding` screen pixels. */
export function fitRect(
  rect: { readonly x: number; readonly y: number; readonly width: number; readonly height: number },
  screenWidth: number,
  screenHeight: number,
  padding = 24,
  maxScale = 2,
): Viewport {
  const w = Math.max(1, rect.width);
  const h = Math.max(1, rect.height);
  const scale = clampScale(
    Math.min((screenWidth - 2 * padding) / w, (screenHeight - 2 * padding) / h, maxScale),
  );
  return {
    scale,
    offsetX: screenWidth / 2 - (rect.x + w / 2) * scale,
    offsetY: screenHeight / 2 - (rect.y + h / 2) * scale,
  };
}

/** Centres (wx, wy) on screen at the given scale. */
export function centreOn(
  v: Viewport,
  wx: number,
  wy: number,
  screenWidth: number,
  screenHeight: number,
  scale = v.scale,
): Viewport {
  const s = clampScale(scale);
  return { scale: s, offsetX: screenWidth / 2 - wx * s, offsetY: screenHeight / 2 - wy * s };
}

/** The world rectangle visible on screen: [minX, minY, maxX, maxY]. */
export function visibleWorldRect(
  v: Viewport,
  screenWidth: number,
  screenHeight: number,
): [number, number, number, number] {
  const [x0, y0] = toWorld(v, 0, 0);
  const [x1, y1] = toWorld(v, screenWidth, screenHeight);
  return [x0, y0, x1, y1];
}
