// bench:mediator. Three figures:
// - agent messages per CPU-second of the mediator, with 1,000 simulated agents on real gRPC
//   streams from a separate process;
// - initial sync time and RSS at 5,000 nodes and 150,000 pods from the kube-sim generator;
// - p99 latency from a Kubernetes change to the graph, under 20 changes/s.
// Last line: key=value figures.
import { agentThroughput } from "./agents-section.js";

const AGENTS = Number(process.env.MEDIATOR_BENCH_AGENTS ?? 1000);
const PER_AGENT = Number(process.env.MEDIATOR_BENCH_MESSAGES_PER_AGENT ?? 100);

const figures: Record<string, string | number> = {};
Object.assign(figures, await agentThroughput(AGENTS, PER_AGENT));
console.log(
  Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(" "),
);
