import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, mergeConfigLayers, parseConfig, parseFlags, readEnv } from "./config.js";

const schema = z
  .object({
    grpc: z.object({ port: z.coerce.number().int().min(0).max(65535).default(50051) }).default({}),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
    dataDir: z.string().min(1).default("/var/lib/causeway"),
  })
  .strict();

describe("parseConfig", () => {
  it("fills every default and freezes the result", () => {
    const cfg = parseConfig("svc", schema, {});
    expect(cfg).toEqual({ grpc: { port: 50051 }, logLevel: "info", dataDir: "/var/lib/causeway" });
    expect(Object.isFrozen(cfg.grpc)).toBe(true);
  });

  it("lists every problem at once", () => {
    let error: unknown;
    try {
      parseConfig("svc", schema, { grpc: { port: "70000" }, logLevel: "loud", extra: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/grpc\.port/);
    expect(problems.join("\n")).toMatch(/logLevel/);
    expect(problems.join("\n")).toMatch(/extra/);
  });

  it("layers env under flags", () => {
    const env = readEnv(
      { CW_PORT: "1234", CW_LEVEL: "debug", OTHER: "x" },
      { CW_PORT: "grpc.port", CW_LEVEL: "logLevel" },
    );
    const flags = parseFlags(["--grpc.port=4321", "--dataDir", "/tmp/x"]);
    const cfg = parseConfig("svc", schema, mergeConfigLayers(env, flags));
    expect(cfg).toEqual({ grpc: { port: 4321 }, logLevel: "debug", dataDir: "/tmp/x" });
  });
});
