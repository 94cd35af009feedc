// The simulated agents of bench:mediator, in their own process so that the mediator's CPU time is
// measured alone: N agents, each on its own channel (its own TCP connection), each sending a hello
// and then topology deltas and symptom changes shaped like a real node's, honouring flow control,
// until the mediator has acknowledged every message.
import { credentials } from "@grpc/grpc-js";
import { AgentServiceClient, type AgentMessage, type MediatorMessage } from "@causeway/protocol";

export interface LoadResult {
  readonly agents: number;
  readonly messages: number;
  readonly acked: number;
  readonly seconds: number;
}

function message(agent: number, seq: number): AgentMessage {
  const node = `node-${agent}`;
  const created = Date.now();
  if (seq % 4 === 0) {
    return {
      seq,
      createdUnixMs: created,
      body: {
        $case: "symptoms",
        value: {
          changes: [
            {
              entityId: `container/ns-${agent % 50}/pod-${agent}-${seq % 30}/app`,
              type: "cpu_throttled",
              active: seq % 8 === 0,
              sinceUnixMs: created,
              evidenceSummary: "throttled 40% of periods over 30 s",
              evidence: { throttled_ratio: 0.4, periods: 300 },
            },
          ],
        },
      },
    };
  }
  const pid = 1000 + (seq % 200);
  return {
    seq,
    createdUnixMs: created,
    body: {
      $case: "topology",
      value: {
        upsertEntities: [
          {
            id: `process/${node}/${pid}/${seq}`,
            kind: "process",
            name: "java",
            namespace: "",
            attributes: { comm: "java", cgroup: `/kubepods/pod-${agent}-${seq % 30}/app` },
          },
        ],
        deleteEntityIds: seq > 200 ? [`process/${node}/${1000 + ((seq - 200) % 200)}/${seq - 200}`] : [],
        upsertRelations: [
          {
            fromId: `process/${node}/${pid}/${seq}`,
            toId: `container/ns-${agent % 50}/pod-${agent}-${seq % 30}/app`,
            type: "runs-on",
            attributes: {},
          },
          {
            fromId: `pod/ns-${agent % 50}/pod-${agent}-${seq % 30}`,
            toId: `external/10.${(agent >> 8) & 255}.${agent & 255}.${seq % 250}:8080`,
            type: "calls",
            attributes: { bytes: String(seq * 100) },
          },
        ],
        deleteRelations: [],
        fullSnapshot: false,
      },
    },
  };
}

async function runAgent(target: string, agent: number, messages: number): Promise<number> {
  const client = new AgentServiceClient(target, credentials.createInsecure(), {
    // One connection per agent, as on a real cluster.
    "grpc.use_local_subchannel_pool": 1,
  });
  const call = client.connect();
  let acked = 0;
  const done = new Promise<void>((resolve, reject) => {
    call.on("data", (m: MediatorMessage) => {
      if (m.body?.$case === "ack") {
        acked = m.body.value.highestContiguousSeq;
        if (acked >= messages + 1) resolve();
      }
    });
    call.on("error", reject);
  });
  const write = async (msg: AgentMessage): Promise<void> => {
    if (!call.write(msg)) await new Promise<void>((r) => call.once("drain", () => r()));
  };
  await write({
    seq: 1,
    createdUnixMs: Date.now(),
    body: {
      $case: "hello",
      value: {
        agentId: `node-${agent}/bench`,
        nodeName: `node-${agent}`,
        version: "0.1.0",
        capabilities: {
          ebpf: true,
          cgroupV1: false,
          cgroupV2: true,
          kernelRelease: "6.1",
          degradedReasons: [],
        },
      },
    },
  });
  for (let seq = 2; seq <= messages + 1; seq++) await write(message(agent, seq));
  await done;
  call.end();
  client.close();
  return acked;
}

if (process.argv[2] === "--agents") {
  const [target, agents, perAgent] = [
    process.argv[3] as string,
    Number(process.argv[4]),
    Number(process.argv[5]),
  ];
  const started = Date.now();
  const acks = await Promise.all(Array.from({ length: agents }, (_, i) => runAgent(target, i, perAgent)));
  const result: LoadResult = {
    agents,
    messages: agents * (perAgent + 1),
    acked: acks.reduce((a, b) => a + b, 0),
    seconds: (Date.now() - started) / 1000,
  };
  process.send?.(result);
  process.exit(0);
}
