import { ConfigError } from "@causeway/runtime";
import { describe, expect, it } from "vitest";
import { loadMediatorConfig } from "./config.js";

describe("mediator config", () => {
  it("has a default for everything and reads the chart's environment variables", () => {
    const c = loadMediatorConfig([], {
      CAUSEWAY_GRPC_PORT: "50052",
      CAUSEWAY_HTTP_PORT: "8081",
      CAUSEWAY_OTLP_GRPC_PORT: "14317",
      CAUSEWAY_AUTH_AUDIENCE: "aud",
      CAUSEWAY_DATA_DIR: "/data",
      CAUSEWAY_VICTORIAMETRICS_URL: "http://vm:8428",
      CAUSEWAY_TLS_CERT_FILE: "/tls/tls.crt",
      CAUSEWAY_TLS_KEY_FILE: "/tls/tls.key",
      CAUSEWAY_AGENT_USERNAMES: "system:serviceaccount:causeway:causeway-agent, other",
      UNRELATED: "x",
    });
    expect(c.grpc).toMatchObject({
      host: "0.0.0.0",
      port: 50052,
      keepaliveTimeMs: 10_000,
      keepaliveTimeoutMs: 20_000,
    });
    expect(c.http.port).toBe(8081);
    expect(c.otlp.grpc.port).toBe(14317);
    expect(c.otlp.http.port).toBe(4318);
    expect(c.auth.audience).toBe("aud");
    expect(c.auth.agentUsernames).toEqual(["system:serviceaccount:causeway:causeway-agent", "other"]);
    expect(c.dataDir).toBe("/data");
    expect(c.victoriaMetrics.url).toBe("http://vm:8428");
    expect(Object.isFrozen(c.grpc)).toBe(true);
  });

  it("lets flags win over the environment", () => {
    const c = loadMediatorConfig(["--grpc.port=1", "--symptoms.rolloutWindowMs", "5000"], {
      CAUSEWAY_GRPC_PORT: "2",
    });
    expect(c.grpc.port).toBe(1);
    expect(c.symptoms.rolloutWindowMs).toBe(5000);
  });

  it("lists every problem at once", () => {
    try {
      loadMediatorConfig(["--grpc.port=70000", "--tls.certFile=/x", "--kube.enabled=false", "--nope=1"], {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toMatch(/grpc\.port/);
      expect(problems).toMatch(/nope/);
    }
    try {
      loadMediatorConfig(["--tls.certFile=/x", "--kube.enabled=false"], {});
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toMatch(/certFile and keyFile/);
      expect(problems).toMatch(/auth\.enabled/);
    }
  });
});
