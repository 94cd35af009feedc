import { ConfigError } from "@causeway/runtime";
import { describe, expect, it } from "vitest";
import { loadKubeSimConfig } from "./config.js";

describe("kube-sim CLI configuration", () => {
  it("has defaults, reads flags over the environment, and lists every problem at once", () => {
    expect(loadKubeSimConfig([], {})).toMatchObject({ host: "127.0.0.1", port: 6443, https: true, nodes: 0 });
    const c = loadKubeSimConfig(["--port=0", "--https=false", "--nodes", "10"], {
      KUBE_SIM_PODS: "500",
      KUBE_SIM_PORT: "7000",
    });
    expect(c).toMatchObject({ port: 0, https: false, nodes: 10, pods: 500 });
    try {
      loadKubeSimConfig(["--port=70000", "--pods=10", "--bogus=1"], {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toContain("port");
      expect(problems).toContain("bogus");
    }
    expect(() => loadKubeSimConfig(["--nodes=1", "--pods=111"], {})).toThrow(/at most 110 pods per node/);
  });
});
