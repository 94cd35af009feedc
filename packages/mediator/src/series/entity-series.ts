import { CausewayError, type Logger } from "@causeway/runtime";
import { entitySeriesQueries, type SeriesEntity } from "./entity-queries.js";

/** `minutes` accepted by GET /api/v1/entities/{id}/series. */
export const SERIES_MINUTES = { min: 1, max: 360, default: 15 } as const;
/** Points per series aimed at: enough for a sparkline, few enough to stay cheap. */
const TARGET_POINTS = 90;
/** The shortest rate window: two samples of the slowest writer (kube-state series, 30 s). */
const MIN_RATE_WINDOW_SECONDS = 60;
const QUERY_TIMEOUT_MS = 10_000;

/** One sparkline: `points` are `[unixMs, value]` in time order. */
export interface EntitySeries {
  readonly name: string;
  readonly unit: string;
  readonly points: [number, number][];
}

/** The body of GET /api/v1/entities/{id}/series. */
export interface EntitySeriesAnswer {
  readonly entityId: string;
  readonly minutes: number;
  readonly stepSeconds: number;
  readonly series: EntitySeries[];
}

/** Parses `minutes` (default 15); outside 1..360 it is a CW_BAD_REQUEST. */
export function parseSeriesMinutes(value: string | null): number {
  if (value === null || value === "") return SERIES_MINUTES.default;
  const minutes = Number(value);
  if (!/^\d+$/.test(value) || minutes < SERIES_MINUTES.min || minutes > SERIES_MINUTES.max)
    throw new CausewayError(
      "CW_BAD_REQUEST",
      `minutes must be an integer from ${SERIES_MINUTES.min} to ${SERIES_MINUTES.max}`,
    );
  return minutes;
}

/** The step that gives about {@link TARGET_POINTS} points over `minutes` (60 to 120 for any valid value). */
export function seriesStepSeconds(minutes: number): number {
  return Math.max(1, Math.round((minutes * 60) / TARGET_POINTS));
}

interface QueryRangeBody {
  readonly status?: string;
  readonly error?: string;
  readonly data?: { readonly result?: { metric: Record<string, string>; values: [number, string][] }[] };
}

export interface EntitySeriesReaderOptions {
  /** VictoriaMetrics base URL; empty: series are unavailable (503). */
  readonly url: string;
  readonly log: Logger;
  readonly clock?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * Reads an entity's series from VictoriaMetrics (`/api/v1/query_range`, one query per series, in
 * parallel). Series without any point are left out. VictoriaMetrics unreachable, timing out or
 * answering an error gives CW_UNAVAILABLE: the caller may retry; nothing here is cached.
 */
export class EntitySeriesReader {
  readonly #o: EntitySeriesReaderOptions;
  readonly #clock: () => number;

  constructor(options: EntitySeriesReaderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  async read(entity: SeriesEntity, minutes: number): Promise<EntitySeriesAnswer> {
    if (this.#o.url === "")
      throw new CausewayError("CW_UNAVAILABLE", "series are unavailable: VictoriaMetrics is not configured");
    const stepSeconds = seriesStepSeconds(minutes);
    const window = `${Math.max(2 * stepSeconds, MIN_RATE_WINDOW_SECONDS)}s`;
    // Align the grid on the step so that refreshes draw the same points.
    const endSeconds = Math.floor(this.#clock() / 1000 / stepSeconds) * stepSeconds;
    const startSeconds = endSeconds - minutes * 60;
    const queries = entitySeriesQueries(entity, window);
    const results = await Promise.all(
      queries.map(async (q) => {
        const points = await this.#queryRange(q.query, startSeconds, endSeconds, stepSeconds);
        return { name: q.name, unit: q.unit, points };
      }),
    );
    return {
      entityId: entity.id,
      minutes,
      stepSeconds,
      series: results.filter((s) => s.points.length > 0),
    };
  }

  async #queryRange(
    query: string,
    startSeconds: number,
    endSeconds: number,
    stepSeconds: number,
  ): Promise<[number, number][]> {
    const params = new URLSearchParams({
      query,
      start: String(startSeconds),
      end: String(endSeconds),
      step: `${stepSeconds}s`,
    });
    const doFetch = this.#o.fetch ?? fetch;
    let res: Response;
    let body: QueryRangeBody;
    try {
      res = await doFetch(`${this.#o.url.replace(/\/+$/, "")}/api/v1/query_range?${params.toString()}`, {
        signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
      });
      body = (await res.json()) as QueryRangeBody;
    } catch (error) {
      this.#o.log.warn({ err: (error as Error).message }, "VictoriaMetrics unreachable for entity series");
      throw new CausewayError("CW_UNAVAILABLE", "series are unavailable: VictoriaMetrics is unreachable");
    }
    if (!res.ok || body.status !== "success") {
      this.#o.log.warn(
        { status: res.status, err: body.error, query },
        "VictoriaMetrics refused an entity series query",
      );
      throw new CausewayError(
        "CW_UNAVAILABLE",
        `series are unavailable: VictoriaMetrics answered HTTP ${res.status}`,
      );
    }
    // Aggregations give one series; should a query give several, their points are not mixed.
    const first = body.data?.result?.[0];
    if (!first) return [];
    const points: [number, number][] = [];
    for (const [t, v] of first.values) {
      const value = Number(v);
      if (Number.isFinite(value)) points.push([Math.round(t * 1000), value]);
    }
    return points;
  }
}
