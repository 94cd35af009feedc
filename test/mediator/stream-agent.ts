// A minimal agent stream in its own process, for tests that must freeze an agent's socket
// (SIGSTOP) without freezing the test: connects, says hello, reports one entity, then idles.
// argv: target agentId nodeName [token]
import { Metadata, credentials } from "@grpc/grpc-js";
import { AgentServiceClient, type MediatorMessage } from "@causeway/protocol";

const [target, agentId, nodeName, token] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const client = new AgentServiceClient(target, credentials.createInsecure(), {
  // The agent does not ping: the mediator's keepalive must notice it is gone.
  "grpc.keepalive_time_ms": 3_600_000,
});
const metadata = new Metadata();
if (token) metadata.set("authorization", `Bearer ${token}`);
const call = client.connect(metadata);
call.on("data", (m: MediatorMessage) => {
  if (m.body?.$case === "ack") process.send?.({ ack: m.body.value.highestContiguousSeq });
});
call.on("error", (e: Error) => process.send?.({ error: e.message }));
call.write({
  seq: 1,
  createdUnixMs: Date.now(),
  body: { $case: "hello", value: { agentId, nodeName, version: "test", capabilities: undefined } },
});
call.write({
  seq: 2,
  createdUnixMs: Date.now(),
  body: {
    $case: "topology",
    value: {
      upsertEntities: [
        { id: `node/${nodeName}`, kind: "node", name: nodeName, namespace: "", attributes: {} },
      ],
      deleteEntityIds: [],
      upsertRelations: [],
      deleteRelations: [],
      fullSnapshot: true,
    },
  },
});
setInterval(() => undefined, 1_000_000);
