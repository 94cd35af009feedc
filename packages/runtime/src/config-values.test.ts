import { describe, expect, it } from "vitest";
import { z } from "zod";
import { booleanSetting, listSetting } from "./config-values.js";

describe("config values", () => {
  it("reads booleans from objects and from env/flag words, refusing other words", () => {
    for (const v of [true, "true", "1", "YES", "on"]) expect(booleanSetting.parse(v)).toBe(true);
    for (const v of [false, "false", "0", "no", "Off"]) expect(booleanSetting.parse(v)).toBe(false);
    for (const v of ["flase", "", 2]) expect(booleanSetting.safeParse(v).success).toBe(false);
  });

  it("reads lists from arrays and comma-separated strings, checking each item", () => {
    expect(listSetting().parse(" a, b ,,c ")).toEqual(["a", "b", "c"]);
    expect(listSetting().parse(["x"])).toEqual(["x"]);
    expect(listSetting().parse("")).toEqual([]);
    const ports = listSetting(z.coerce.number().int().min(1));
    expect(ports.parse("80,443")).toEqual([80, 443]);
    expect(ports.safeParse("80,zero").success).toBe(false);
  });
});
