// Measures the test VictoriaMetrics helper: start-up time, import rate of Prometheus text and
// PromQL round-trip latency. Last line: key=value figures.
import { performance } from "node:perf_hooks";
import { startVictoriaMetrics } from "@causeway/testkit";

const SERIES = 1_000;
const SAMPLES_PER_SERIES = 100;

const t0 = performance.now();
const vm = await startVictoriaMetrics();
const startMs = performance.now() - t0;
try {
  const nowMs = Date.now();
  const lines: string[] = [];
  for (let s = 0; s < SERIES; s++) {
    for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
      lines.push(`bench_metric{series="s${s}"} ${i} ${nowMs - (SAMPLES_PER_SERIES - i) * 1000}`);
    }
  }
  const t1 = performance.now();
  await vm.importPrometheus(lines.join("\n") + "\n");
  await vm.flush();
  const importMs = performance.now() - t1;
  const queries: number[] = [];
  let count = 0;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const result = await vm.query("count(bench_metric)", nowMs);
    queries.push(performance.now() - t);
    count = result[0]?.value ?? 0;
  }
  queries.sort((a, b) => a - b);
  if (count !== SERIES) throw new Error(`expected ${SERIES} series, PromQL counted ${count}`);
  const samples = SERIES * SAMPLES_PER_SERIES;
  console.log(
    `start_ms=${startMs.toFixed(0)} samples=${samples} import_samples_per_s=${Math.round(samples / (importMs / 1000))} ` +
      `query_p50_ms=${queries[10]?.toFixed(1)} series_counted=${count}`,
  );
} finally {
  await vm.dispose();
}
