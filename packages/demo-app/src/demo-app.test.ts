import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@causeway/runtime";
import { waitFor } from "@causeway/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shopService } from "./catalog.js";
import { demoServiceConfigSchema } from "./config.js";
import { parseFaultFlags, writeFaultFlags } from "./fault-flags.js";
import { demoManifests } from "./manifests.js";
import { LeakyCache } from "./memory-leak.js";
import { ServiceDirectory, writeServiceDirectory } from "./service-directory.js";
import { ShopService } from "./shop-service.js";
import { parseResourceAttributes, startTelemetry } from "./telemetry.js";

const MIB = 1024 * 1024;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "demo-app-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("fault flags", () => {
  it("fills defaults and treats a broken file as no faults", async () => {
    const path = join(dir, "faults.json");
    await writeFaultFlags(path, { memoryLeak: { service: "checkout" } });
    const { readFaultFlags } = await import("./fault-flags.js");
    expect(await readFaultFlags(path)).toEqual({
      memoryLeak: { service: "checkout", bytesPerRequest: 2 * MIB, maxBytes: 120 * MIB },
    });
    expect(parseFaultFlags("{not json")).toEqual({});
    expect(parseFaultFlags(JSON.stringify({ bogus: 1 }))).toEqual({});
    expect(await readFaultFlags(join(dir, "missing.json"))).toEqual({});
  });
});

describe("LeakyCache", () => {
  it("grows per request and stops at its bound", () => {
    const cache = new LeakyCache();
    for (let i = 0; i < 10; i++) cache.retain(MIB, 3.5 * MIB);
    expect(cache.bytes).toBe(3.5 * MIB);
  });
});

describe("ServiceDirectory", () => {
  it("picks ready endpoints round robin and keeps the last good file", async () => {
    const path = join(dir, "endpoints.json");
    await writeServiceDirectory(path, {
      "shop/checkout": [
        { ip: "10.0.0.2", port: 8080 },
        { ip: "10.0.0.3", port: 8080 },
      ],
    });
    const d = new ServiceDirectory(path);
    await d.refresh();
    expect([1, 2, 3].map(() => d.pick("shop", "checkout")?.ip)).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.2"]);
    expect(d.pick("shop", "payments")).toBeUndefined();
    await writeFile(path, "{torn");
    await d.refresh();
    expect(d.pick("shop", "checkout")?.ip).toBe("10.0.0.3");
  });
});

describe("telemetry resource attributes", () => {
  it("parses OTEL_RESOURCE_ATTRIBUTES with percent-encoding", () => {
    expect(parseResourceAttributes("k8s.pod.name=checkout-1,team=a%2Cb, bad ,=x")).toEqual({
      "k8s.pod.name": "checkout-1",
      team: "a,b",
    });
  });
});

describe("manifests", () => {
  it("deploys every service with limits, downward-API env and a Service, plus the load generator", () => {
    const objects = demoManifests({
      namespace: "shop",
      otlpEndpoint: "http://10.244.0.1:4317",
      endpointsFile: "/data/endpoints.json",
      faultsFile: "/data/faults.json",
      requestsPerSecond: 5,
    }) as { kind: string; metadata: { name: string }; spec?: Record<string, unknown> }[];
    expect(objects.filter((o) => o.kind === "Service").map((o) => o.metadata.name)).toEqual([
      "frontend",
      "checkout",
      "payments",
      "inventory",
    ]);
    const checkout = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "checkout");
    const c = (checkout?.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template
      .spec.containers[0] as { resources: { limits: Record<string, string> }; env: { name: string }[] };
    expect(c.resources.limits).toEqual({ cpu: "500m", memory: "128Mi" });
    expect(c.env.map((e) => e.name)).toContain("K8S_POD_UID");
    expect(objects.filter((o) => o.kind === "Deployment")).toHaveLength(5);
  });
});

describe("ShopService", () => {
  it("calls its downstreams, answers 500 in a bad release, and dies of the crash flag", async () => {
    const endpointsFile = join(dir, "endpoints.json");
    const faultsFile = join(dir, "faults.json");
    const telemetry = startTelemetry({
      serviceName: "test",
      serviceVersion: "1.0.0",
      namespace: "shop",
      endpoint: "http://127.0.0.1:9",
      resourceAttributes: "",
      exportIntervalMs: 60_000,
    });
    const config = (service: string, version = "1.0.0") =>
      demoServiceConfigSchema.parse({
        service,
        host: "127.0.0.1",
        port: 0,
        version,
        endpointsFile,
        faultsFile,
        pollIntervalMs: 50,
        callTimeoutMs: 500,
      });
    const payments = new ShopService({
      spec: shopService("payments")!,
      config: config("payments", "1.1.0"),
      telemetry,
      log: silentLogger(),
      random: () => 0,
    });
    const inventory = new ShopService({
      spec: shopService("inventory")!,
      config: config("inventory"),
      telemetry,
      log: silentLogger(),
    });
    const exits: number[] = [];
    const checkout = new ShopService({
      spec: shopService("checkout")!,
      config: config("checkout"),
      telemetry,
      log: silentLogger(),
      exit: (code) => exits.push(code),
    });
    const [pp, ip, cp] = [await payments.start(), await inventory.start(), await checkout.start()];
    try {
      await writeServiceDirectory(endpointsFile, {
        "shop/payments": [{ ip: "127.0.0.1", port: pp }],
        "shop/inventory": [{ ip: "127.0.0.1", port: ip }],
      });
      // The directory is re-read every 50 ms: wait until checkout reaches payments (a 500 there).
      const body = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${cp}/checkout`, { method: "POST" });
          const text = await res.text();
          return res.status === 502 && text.includes("payments: HTTP 500") ? text : undefined;
        },
        { what: "checkout to call payments", timeoutMs: 5000 },
      );
      expect(body).toContain("payments.shop.svc.cluster.local");
      expect((await fetch(`http://127.0.0.1:${cp}/nope`)).status).toBe(404);

      await writeFaultFlags(faultsFile, {
        memoryLeak: { service: "checkout", bytesPerRequest: MIB, maxBytes: 2 * MIB },
        crash: { service: "checkout", afterMs: 0, exitCode: 3 },
      });
      await waitFor(() => exits.length > 0, { what: "the crash flag to end checkout", timeoutMs: 5000 });
      expect(exits).toEqual([3]);
      for (let i = 0; i < 3; i++) await fetch(`http://127.0.0.1:${cp}/checkout`, { method: "POST" });
      expect(checkout.leakedBytes).toBe(2 * MIB);
      expect(inventory.leakedBytes).toBe(0);
    } finally {
      await Promise.all([payments.stop(), inventory.stop(), checkout.stop()]);
    }
  });
});
