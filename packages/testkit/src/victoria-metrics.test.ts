import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVictoriaMetrics, type VictoriaMetricsProcess } from "./victoria-metrics.js";

describe("VictoriaMetrics test helper", () => {
  let vm: VictoriaMetricsProcess;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(async () => {
    await vm?.dispose();
  });

  it("writes a sample and reads it back with PromQL", async () => {
    const nowMs = Date.now();
    await vm.importPrometheus(`causeway_selftest_bytes{pod="a",namespace="ns"} 42 ${nowMs}\n`);
    const result = await vm.query('causeway_selftest_bytes{namespace="ns"}', nowMs);
    expect(result).toHaveLength(1);
    expect(result[0]?.metric).toMatchObject({ __name__: "causeway_selftest_bytes", pod: "a" });
    expect(result[0]?.value).toBe(42);
  });

  it("keeps data across stop and start on the same port", async () => {
    const nowMs = Date.now();
    await vm.importPrometheus(`causeway_selftest_restart 7 ${nowMs}\n`);
    await vm.flush();
    await vm.stop();
    expect(vm.running).toBe(false);
    await expect(fetch(`${vm.url}/health`)).rejects.toThrow();
    await vm.start();
    const result = await vm.query("causeway_selftest_restart", nowMs);
    expect(result.map((r) => r.value)).toEqual([7]);
  });

  it("reports PromQL errors", async () => {
    await expect(vm.query("sum(")).rejects.toThrow(/query sum\(/);
  });
});
