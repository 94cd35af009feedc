import { describe, expect, it } from "vitest";
import { containerEnvironment, expandVariables } from "./container-env.js";
import { ImageStore } from "./image-store.js";
import { qosClass } from "./pod-worker.js";
import { cpuMillicores, parseQuantity } from "./quantity.js";
import { restartDelayMs } from "./restart-backoff.js";

describe("restart back-off", () => {
  const o = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };
  it("restarts at once, then after 10 s, 20 s, 40 s… up to 5 min; a long run resets it", () => {
    expect([0, 1, 2, 3, 6, 10].map((n) => restartDelayMs(o, n, 1000))).toEqual([
      0, 10_000, 20_000, 40_000, 300_000, 300_000,
    ]);
    expect(restartDelayMs(o, 5, 600_000)).toBe(0);
  });
});

describe("container environment", () => {
  const pod = {
    metadata: { name: "checkout-1", namespace: "shop", uid: "u-1", labels: { app: "checkout" } },
    spec: { nodeName: "vm" },
    status: {},
  };
  it("resolves downward-API fields, expands $(VAR) from earlier variables and keeps $$ literal", () => {
    const env = containerEnvironment(
      pod,
      {
        env: [
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "ATTRS", value: "k8s.pod.name=$(POD),ip=$(IP),v=$(VERSION),later=$(LATER),$$(POD)" },
          { name: "LATER", value: "x" },
        ],
      },
      { VERSION: "1.0.0" },
      "10.244.0.7",
    );
    expect(env).toMatchObject({
      VERSION: "1.0.0",
      POD: "checkout-1",
      IP: "10.244.0.7",
      APP: "checkout",
      ATTRS: "k8s.pod.name=checkout-1,ip=10.244.0.7,v=1.0.0,later=$(LATER),$(POD)",
    });
    expect(expandVariables("$(A)-$(B)", new Map([["A", "1"]]))).toBe("1-$(B)");
  });
});

describe("images", () => {
  it("maps a repository to a program and passes the tag as the image's version variable", () => {
    const images = new ImageStore();
    images.add("causeway.dev/demo-app", ["node", "main.js"], "DEMO_APP_VERSION");
    expect(images.resolve("causeway.dev/demo-app:1.1.0")).toEqual({
      command: ["node", "main.js"],
      env: { DEMO_APP_VERSION: "1.1.0" },
    });
    expect(images.resolve("causeway.dev/demo-app")?.env).toEqual({ DEMO_APP_VERSION: "latest" });
    expect(images.resolve("docker.io/library/nginx:1.27")).toBeUndefined();
  });
});

describe("quantities and QoS", () => {
  it("parses memory and CPU quantities", () => {
    expect(parseQuantity("128Mi")).toBe(128 * 1024 * 1024);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(cpuMillicores("250m")).toBe(250);
    expect(cpuMillicores("1.5")).toBe(1500);
    expect(parseQuantity("lots")).toBeUndefined();
  });
  it("classifies pods as the kubelet does", () => {
    const pod = (resources: object) => ({ spec: { containers: [{ name: "a", resources }] } });
    expect(qosClass(pod({ limits: { cpu: "1", memory: "1Gi" } }))).toBe("Guaranteed");
    expect(
      qosClass(pod({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } })),
    ).toBe("Guaranteed");
    expect(qosClass(pod({ requests: { cpu: "100m" }, limits: { cpu: "1", memory: "1Gi" } }))).toBe(
      "Burstable",
    );
    expect(qosClass(pod({}))).toBe("BestEffort");
  });
});
