import { describe, expect, it } from "vitest";
import { entityLink, formatRoute, parseRoute } from "./router.js";

describe("router", () => {
  it("parses views, ids and parameters from the fragment", () => {
    expect(parseRoute("")).toEqual({ view: "topology", id: "", params: {} });
    expect(parseRoute("#/symptoms")).toEqual({ view: "symptoms", id: "", params: {} });
    expect(parseRoute("#/remediations/r-1a2b")).toEqual({ view: "remediations", id: "r-1a2b", params: {} });
    expect(parseRoute("#/nonsense/x")).toEqual({ view: "topology", id: "", params: {} });
    expect(parseRoute("#/remediations/%E0%A4%A")).toMatchObject({ view: "remediations", id: "" });
    expect(parseRoute("#/rootcauses?focus=a%3Ab")).toEqual({
      view: "rootcauses",
      id: "",
      params: { focus: "a:b" },
    });
  });

  it("round-trips entity ids with slashes and odd characters", () => {
    for (const id of ["pod/shop/checkout-7d9f8-abcde", "external/10.0.0.1:443", "container/a/b c/&=?#"]) {
      expect(parseRoute(entityLink(id)).params.entity).toBe(id);
    }
    expect(formatRoute("remediations", "r/1")).toBe("#/remediations/r%2F1");
    expect(parseRoute(formatRoute("remediations", "r/1")).id).toBe("r/1");
    expect(formatRoute("topology", "", { ns: "", entity: undefined })).toBe("#/topology");
  });
});
