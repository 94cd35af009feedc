import { describe, expect, it } from "vitest";
import { EXECUTOR_ENV, loadExecutorConfig } from "./config.js";

describe("executor configuration", () => {
  it("reads the token, CA and health settings from the variables the chart sets", () => {
    const c = loadExecutorConfig([], {
      CAUSEWAY_MEDIATOR_ADDRESS: "causeway-mediator.causeway.svc:50051",
      CAUSEWAY_MEDIATOR_TOKEN_FILE: "/var/run/causeway/token/token",
      CAUSEWAY_MEDIATOR_CA_FILE: "/var/run/causeway/token/ca.crt",
      CAUSEWAY_METRICS_HOST: "0.0.0.0",
      CAUSEWAY_METRICS_PORT: "9400",
    });
    expect(c).toMatchObject({
      mediatorAddress: "causeway-mediator.causeway.svc:50051",
      mediatorTokenFile: "/var/run/causeway/token/token",
      mediatorCaFile: "/var/run/causeway/token/ca.crt",
      mediatorTls: false,
      http: { host: "0.0.0.0", port: 9400 },
    });
  });

  it("defaults to no token, no TLS and a health port on localhost; flags win over the environment", () => {
    const c = loadExecutorConfig(["--mediatorTls=true", "--http.port=0"], { CAUSEWAY_METRICS_PORT: "9401" });
    expect(c).toMatchObject({
      mediatorTokenFile: "",
      mediatorTls: true,
      http: { host: "127.0.0.1", port: 0 },
    });
  });

  it("maps every variable to a key of the schema", () => {
    for (const [name, path] of Object.entries(EXECUTOR_ENV)) {
      const value = path.endsWith("port")
        ? "1"
        : path === "logLevel"
          ? "debug"
          : path.endsWith("Url") || path === "kube.url"
            ? "http://x"
            : "x";
      const c = loadExecutorConfig([], { [name]: value }) as unknown as Record<string, unknown>;
      const got = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
      expect(got, name).toEqual(
        path === "mediatorPublicKeyFiles" ? ["x"] : path.endsWith("port") ? 1 : value,
      );
    }
  });
});
