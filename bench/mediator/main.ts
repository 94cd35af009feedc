// bench:mediator. Three figures:
// - initial sync time and RSS at 5,000 nodes and 150,000 pods from the kube-sim generator
//   (kube-sim in its own process);
// - p99 latency from a Kubernetes change to the graph, under 20 changes/s;
// - agent messages per CPU-second of the mediator, with 1,000 simulated agents on real gRPC
//   streams from a separate process.
// Last line: key=value figures.
import { agentThroughput } from "./agents-section.js";
import { clusterFigures } from "./cluster-section.js";

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

const figures: Record<string, string | number> = {};
Object.assign(
  figures,
  await clusterFigures({
    nodes: env("MEDIATOR_BENCH_NODES", 5000),
    pods: env("MEDIATOR_BENCH_PODS", 150_000),
    changesPerSecond: 20,
    changeSeconds: env("MEDIATOR_BENCH_CHANGE_SECONDS", 30),
  }),
);
console.log(`cluster: ${JSON.stringify(figures)}`);
Object.assign(
  figures,
  await agentThroughput(env("MEDIATOR_BENCH_AGENTS", 1000), env("MEDIATOR_BENCH_MESSAGES_PER_AGENT", 100)),
);
console.log(
  Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(" "),
);
