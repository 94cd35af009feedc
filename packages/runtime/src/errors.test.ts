import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CausewayError, ERROR_CODES } from "./errors.js";

describe("error-code registry", () => {
  it("documents every code in docs/errors.md and nothing else", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../../docs/errors.md", import.meta.url)), "utf8");
    const documented = [...doc.matchAll(/^\|\s*`(CW_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("serialises to a stable JSON body", () => {
    const err = new CausewayError("CW_NOT_FOUND", "entity pod/x not found", { id: "x" });
    expect(err.httpStatus).toBe(404);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      error: { code: "CW_NOT_FOUND", message: "entity pod/x not found", details: { id: "x" } },
    });
  });
});
