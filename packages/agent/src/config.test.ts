import { ConfigError } from "@causeway/runtime";
import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "./config.js";

describe("agent config", () => {
  it("has documented defaults", () => {
    const c = loadAgentConfig([], {});
    expect(c).toMatchObject({
      intervalMs: 10_000,
      host: { proc: "/proc", sys: "/sys" },
      kube: { mode: "none" },
      http: { host: "127.0.0.1", port: 9464 },
      victoriaMetrics: { url: "", maxQueueBytes: 48 * 1024 * 1024 },
      mediator: { address: "", tls: false },
      symptoms: { cpuThrottled: { on: 0.25, off: 0.1 }, memoryNearLimit: { on: 0.9, off: 0.85 } },
    });
    expect(Object.isFrozen(c.symptoms)).toBe(true);
  });

  it("reads the chart's environment and lets flags win", () => {
    const c = loadAgentConfig(["--intervalMs=5000", "--symptoms.cpuThrottled.on", "0.5"], {
      KUBERNETES_SERVICE_HOST: "10.0.0.1",
      CAUSEWAY_NODE_NAME: "node-a",
      CAUSEWAY_HOST_PROC: "/host/proc",
      CAUSEWAY_CGROUP_ROOT: "/host/cgroup",
      CAUSEWAY_MEDIATOR_URL: "causeway-mediator:50051",
      CAUSEWAY_MEDIATOR_TOKEN_FILE: "/var/run/causeway/token/token",
      CAUSEWAY_MEDIATOR_CA_FILE: "/var/run/causeway/token/ca.crt",
      CAUSEWAY_METRICS_HOST: "0.0.0.0",
      CAUSEWAY_METRICS_PORT: "9400",
      CAUSEWAY_INTERVAL_MS: "20000",
    });
    expect(c).toMatchObject({
      nodeName: "node-a",
      intervalMs: 5000,
      kube: { mode: "in-cluster" },
      host: { proc: "/host/proc", cgroupRoot: "/host/cgroup" },
      mediator: { address: "causeway-mediator:50051", caFile: "/var/run/causeway/token/ca.crt" },
      http: { host: "0.0.0.0", port: 9400 },
      symptoms: { cpuThrottled: { on: 0.5 } },
    });
  });

  it("reports every problem at once", () => {
    try {
      loadAgentConfig(["--intervalMs=5", "--http.port=70000", "--kube.mode=maybe", "--bogus=1"], {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toMatch(/intervalMs/);
      expect(problems).toMatch(/http\.port/);
      expect(problems).toMatch(/kube\.mode/);
      expect(problems).toMatch(/bogus/);
    }
  });
});
