// `pnpm eval:rca`: generates scenarios over standard topologies at 0%, 10% and 20% noise, runs the
// causal engine on each and prints AC@1 and AC@3 overall and per root-cause type.
//
// Flags: --quick (small topologies only, fewer scenarios), --no-large (skip the 150k-pod cluster),
// --per-type N, --seed N, --noise 0,0.1,0.2, --write-scenarios DIR (also write the scenarios of
// the 10-service topology as files), --scenario FILE (evaluate scenario files instead; repeatable).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CausalEngine } from "../engine.js";
import {
  EvalBench,
  runEvaluation,
  standardTopologies,
  summarize,
  toScenarioFile,
  type ScenarioOutcome,
} from "./evaluate.js";
import { parseScenario, scenarioTopology } from "./scenario.js";
import { generateTopology } from "./topology-generator.js";
import { ROOT_CAUSE_TYPES } from "../model/default-model.js";

function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

function parseArgs(argv: string[]): Map<string, string[]> {
  const args = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value = eq > 0 ? a.slice(eq + 1) : "true";
    if (eq < 0 && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith("--"))
      value = argv[++i] as string;
    args.set(key, [...(args.get(key) ?? []), value]);
  }
  return args;
}

const pct = (x: number): string => x.toFixed(3);

function printSummary(outcomes: readonly ScenarioOutcome[]): string {
  const { overall, byType } = summarize(outcomes);
  const noises = [...overall.keys()];
  out();
  out(`${"noise".padEnd(8)}${"AC@1".padStart(8)}${"AC@3".padStart(8)}${"n".padStart(7)}`);
  for (const n of noises) {
    const c = overall.get(n);
    if (c)
      out(
        `${`${Math.round(n * 100)}%`.padEnd(8)}${pct(c.ac1).padStart(8)}${pct(c.ac3).padStart(8)}${String(c.n).padStart(7)}`,
      );
  }
  out();
  out(
    `${"topology".padEnd(16)}${noises.map((n) => `${`${Math.round(n * 100)}%`.padStart(5)} AC@1 AC@3`).join("  ")}`,
  );
  for (const topology of [...new Set(outcomes.map((o) => o.topology))]) {
    const cells = summarize(outcomes.filter((o) => o.topology === topology)).overall;
    out(
      `${topology.padEnd(16)}${noises
        .map((n) => {
          const c = cells.get(n);
          return c ? `${String(c.n).padStart(5)} ${pct(c.ac1).slice(0, 4)} ${pct(c.ac3).slice(0, 4)}` : "";
        })
        .join("  ")}`,
    );
  }
  out();
  out(
    `${"root-cause type".padEnd(30)}${noises.map((n) => `${`${Math.round(n * 100)}%`.padStart(5)} AC@1 AC@3`).join("  ")}`,
  );
  for (const [type, cells] of byType)
    out(
      `${type.padEnd(30)}${noises
        .map((n) => {
          const c = cells.get(n);
          return c ? `${String(c.n).padStart(5)} ${pct(c.ac1).slice(0, 4)} ${pct(c.ac3).slice(0, 4)}` : "";
        })
        .join("  ")}`,
    );
  return noises
    .map((n) => {
      const c = overall.get(n);
      const k = Math.round(n * 100);
      return c ? `ac1_noise${k}=${pct(c.ac1)} ac3_noise${k}=${pct(c.ac3)} scenarios_noise${k}=${c.n}` : "";
    })
    .join(" ");
}

function evaluateFiles(files: string[]): void {
  let hits1 = 0;
  let hits3 = 0;
  let total = 0;
  for (const file of files) {
    const scenario = parseScenario(JSON.parse(readFileSync(file, "utf8")));
    const topology = scenarioTopology(scenario);
    const engine = new CausalEngine();
    engine.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: topology.relations });
    engine.applySymptoms(scenario.symptoms);
    const report = engine.rootCauses();
    for (const inj of scenario.injected) {
      const at = report.rootCauses.findIndex((r) => r.id === `${inj.type}:${inj.entityId}`);
      const rank = at < 0 ? Number.POSITIVE_INFINITY : at + 1;
      total++;
      if (rank <= 1) hits1++;
      if (rank <= 3) hits3++;
      out(`${file}: ${inj.type} on ${inj.entityId}: rank ${Number.isFinite(rank) ? rank : "not listed"}`);
    }
  }
  out(`ac1=${pct(hits1 / Math.max(1, total))} ac3=${pct(hits3 / Math.max(1, total))} scenarios=${total}`);
}

function writeScenarios(dir: string, seed: number, noiseLevels: number[]): void {
  mkdirSync(dir, { recursive: true });
  const options = { services: 10, seed: 101 };
  const topology = generateTopology(options);
  const bench = new EvalBench("10 services", topology.entities, topology.relations);
  let written = 0;
  for (const noise of noiseLevels)
    for (const type of ROOT_CAUSE_TYPES) {
      const s = bench.scenario(type, 0, noise, seed);
      if (!s) continue;
      const name = `${type}-noise${Math.round(noise * 100)}`;
      const file = toScenarioFile(name, { generated: options }, s.fault, s.symptoms, {
        dropRate: noise,
        spuriousRate: noise,
        seed,
      });
      writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(file, null, 2)}\n`);
      written++;
    }
  out(`wrote ${written} scenario files to ${dir}`);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const seed = Number(args.get("seed")?.[0] ?? 7);
  const files = args.get("scenario");
  if (files) {
    evaluateFiles(files);
    return;
  }
  const quick = args.has("quick");
  const noiseLevels = (args.get("noise")?.[0] ?? "0,0.1,0.2").split(",").map(Number);
  const perType = Number(args.get("per-type")?.[0] ?? (quick ? 5 : 20));
  const dir = args.get("write-scenarios")?.[0];
  if (dir) writeScenarios(dir, seed, noiseLevels);
  const topologies = standardTopologies({ large: !quick && !args.has("no-large") });
  out(`RCA evaluation: ${perType} scenarios per root-cause type, topology and noise level; seed ${seed}`);
  const started = performance.now();
  const outcomes = runEvaluation(
    { topologies, noiseLevels, scenariosPerType: perType, seed },
    (label, loadMs, bench) => {
      const s = bench.engine.stats();
      out(
        `  ${label.padEnd(14)} ${String(bench.view.ofKind("pod").length).padStart(7)} pods ${String(s.entities).padStart(8)} entities ${String(s.relations).padStart(8)} relations  generated and loaded in ${(loadMs / 1000).toFixed(1)} s`,
      );
    },
  );
  out(`ran ${outcomes.length} scenarios in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const last = printSummary(outcomes);
  out();
  out(last);
}

main();
