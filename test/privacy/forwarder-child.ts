// A mediator stand-in for the restart tests: a child process running an UpstreamForwarder on a
// queue directory, offering a numbered range of symptom changes (with planted PII), then staying
// connected (or reconnecting) until killed. Reports progress on stdout as "STATUS k=v ..." lines.
import { readFileSync } from "node:fs";
import { Masker } from "@causeway/masking";
import { UpstreamForwarder } from "@causeway/upstream";

interface ChildPlan {
  readonly url: string;
  readonly queueDir: string;
  readonly kekHex: string;
  readonly token: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly caFile: string;
  readonly first: number;
  readonly count: number;
  readonly marker: string;
  readonly canaryEmail: string;
  readonly canaryCard: string;
}

const plan = JSON.parse(process.argv[2] ?? "{}") as ChildPlan;
const forwarder = new UpstreamForwarder({
  url: plan.url,
  tenantId: plan.tenantId,
  clusterId: plan.clusterId,
  token: plan.token,
  kek: Buffer.from(plan.kekHex, "hex"),
  queueDir: plan.queueDir,
  maxQueueBytes: 64 * 1024 * 1024,
  segmentMaxBytes: 16 * 1024,
  masker: new Masker(),
  labelAllowlist: ["app"],
  ca: readFileSync(plan.caFile),
  // Time compressed: a backoff capped at 100 ms stands for one capped at minutes.
  reconnectInitialDelayMs: 5,
  reconnectMaxDelayMs: 100,
  maxInFlight: 32,
});
forwarder.start();
for (let n = plan.first; n < plan.first + plan.count; n++) {
  forwarder.offerSymptoms([
    {
      entityId: `pod/shop/${plan.marker}-${n}`,
      type: "crash_loop_backoff",
      active: true,
      sinceUnixMs: 1_700_000_000_000 + n,
      evidenceSummary: `Back-off restarting failed container; owner ${plan.canaryEmail} card ${plan.canaryCard}`,
    },
  ]);
}
console.log(`OFFERED first=${plan.first} count=${plan.count}`);
setInterval(() => {
  const m = forwarder.metrics;
  console.log(
    `STATUS failed=${m.reconnects.get()} pending=${forwarder.pendingMessages()} connected=${m.connected.get()} sent=${m.sent.get()} decryptFailures=${m.decryptFailures.get()}`,
  );
}, 50);
process.on("SIGTERM", () => {
  forwarder.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
