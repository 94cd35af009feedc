import { describe, expect, it } from "vitest";
import { entitySeriesQueries, promQuote } from "./entity-queries.js";
import { parseSeriesMinutes, seriesStepSeconds } from "./entity-series.js";

describe("entity series", () => {
  it("accepts minutes from 1 to 360 only", () => {
    expect(parseSeriesMinutes(null)).toBe(15);
    expect(parseSeriesMinutes("1")).toBe(1);
    expect(parseSeriesMinutes("360")).toBe(360);
    for (const bad of ["0", "361", "-5", "1.5", "1e2", "abc", " 15"])
      expect(() => parseSeriesMinutes(bad), bad).toThrow(/minutes must be an integer from 1 to 360/);
  });

  it("keeps every valid window between 60 and 120 points", () => {
    for (let minutes = 1; minutes <= 360; minutes++) {
      const points = (minutes * 60) / seriesStepSeconds(minutes);
      expect(points, String(minutes)).toBeGreaterThanOrEqual(60);
      expect(points, String(minutes)).toBeLessThanOrEqual(120);
    }
  });

  it("selects by the labels Causeway writes, escaping values", () => {
    const [cpu] = entitySeriesQueries(
      { id: 'container/shop/web-1/a"b', kind: "container", name: 'a"b', namespace: "shop" },
      "60s",
    );
    expect(cpu?.query).toBe(
      'sum(rate(causeway_container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container="a\\"b"}[60s]))',
    );
    expect(promQuote("a\\b\nc")).toBe('"a\\\\b\\nc"');
    const hpa = entitySeriesQueries(
      { id: "hpa/shop/web", kind: "hpa", name: "web", namespace: "shop" },
      "60s",
    );
    expect(hpa[0]?.query).toContain('horizontalpodautoscaler="web"');
    expect(
      entitySeriesQueries({ id: "namespace/shop", kind: "namespace", name: "shop", namespace: "" }, "60s"),
    ).toEqual([]);
  });
});
