import { describe, expect, it } from "vitest";
import { loadLocalStackConfig, localStackConfigSchema } from "./config.js";

describe("local stack configuration", () => {
  it("has the documented defaults and reads flags over CAUSEWAY_* variables", () => {
    const c = loadLocalStackConfig(["--mediator.httpPort=18080", "--demo.requestsPerSecond", "4"], {
      CAUSEWAY_DATA_DIR: "/tmp/x",
      CAUSEWAY_LOCAL_MODE: "degraded",
    });
    expect(c).toMatchObject({
      dataDir: "/tmp/x",
      mode: "degraded",
      victoriaMetrics: { listenAddress: "127.0.0.1:8428" },
      kubeSim: { port: 6443 },
      mediator: { grpcPort: 50051, httpPort: 18080, otlpGrpcPort: 4317, otlpHttpPort: 4318 },
      node: { podCidr: "10.244.0.0/24", cgroupRoot: "causeway-local" },
      demo: { namespace: "shop", requestsPerSecond: 4 },
      control: { port: 8089 },
    });
    expect(Object.isFrozen(c.mediator)).toBe(true);
  });

  it("rejects an invalid configuration listing every problem", () => {
    let message = "";
    try {
      loadLocalStackConfig(
        ["--logLevel=loud", "--node.podCidr=10.0.0.0/8", "--mediator.httpPort=70000", "--bogus=1"],
        {},
      );
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of ["logLevel", "node.podCidr", "mediator.httpPort", "bogus"])
      expect(message).toContain(field);
    const result = localStackConfigSchema.safeParse({ logLevel: "loud", victoriaMetrics: { bogus: 1 } });
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(
      expect.arrayContaining(["logLevel", "victoriaMetrics"]),
    );
  });
});
