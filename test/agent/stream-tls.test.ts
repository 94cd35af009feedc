import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServerCredentials, type ServerDuplexStream } from "@grpc/grpc-js";
import { MediatorStream } from "@causeway/agent";
import { createServingCertificate } from "@causeway/kube-sim";
import { AgentServiceService, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { TestGrpcServer, waitFor } from "@causeway/testkit";
import { afterAll, describe, expect, it } from "vitest";

describe("agent → mediator stream over TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "cw-tls-"));
  const server = new TestGrpcServer();
  const stream: { current?: MediatorStream } = {};
  afterAll(async () => {
    await stream.current?.stop();
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies the mediator's certificate against the configured CA and sends the bearer token", async () => {
    const tls = await createServingCertificate(["127.0.0.1", "causeway-mediator"]);
    writeFileSync(join(dir, "ca.crt"), tls.caCert);
    writeFileSync(join(dir, "token"), "projected-token\n");
    const received: AgentMessage[] = [];
    const auth: string[] = [];
    server.addService(AgentServiceService, {
      connect(call: ServerDuplexStream<AgentMessage, MediatorMessage>) {
        auth.push(String(call.metadata.get("authorization")[0]));
        call.on("data", (m: AgentMessage) => {
          received.push(m);
          call.write({ body: { $case: "ack", value: { highestContiguousSeq: m.seq } } });
        });
        call.on("error", () => undefined);
      },
    });
    await server.start(
      0,
      ServerCredentials.createSsl(null, [
        { private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) },
      ]),
    );
    stream.current = new MediatorStream({
      address: server.target,
      nodeName: "tls-node",
      version: "0.1.0",
      capabilities: () => ({
        ebpf: false,
        cgroupV1: false,
        cgroupV2: true,
        kernelRelease: "",
        degradedReasons: [],
      }),
      tokenFile: join(dir, "token"),
      tls: { caFile: join(dir, "ca.crt"), serverName: "causeway-mediator" },
      maxUnackedMessages: 100,
      maxUnackedBytes: 1 << 20,
      heartbeatIntervalMs: 60_000,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      connectTimeoutMs: 2000,
      log: silentLogger(),
    });
    stream.current.start();
    stream.current.send({ $case: "heartbeat", value: { unackedMessages: 0, droppedMessages: 0 } });
    await waitFor(() => received.length === 2 && stream.current?.stats.unackedMessages === 0, {
      what: "TLS delivery",
    });
    expect(received[0]?.body?.$case).toBe("hello");
    expect(auth).toEqual(["Bearer projected-token"]);

    // a client that trusts another CA does not connect
    const other = await createServingCertificate(["127.0.0.1"]);
    writeFileSync(join(dir, "other-ca.crt"), other.caCert);
    const distrustful = new MediatorStream({
      address: server.target,
      nodeName: "tls-node-2",
      version: "0.1.0",
      capabilities: () => ({
        ebpf: false,
        cgroupV1: false,
        cgroupV2: true,
        kernelRelease: "",
        degradedReasons: [],
      }),
      tls: { caFile: join(dir, "other-ca.crt"), serverName: "causeway-mediator" },
      maxUnackedMessages: 100,
      maxUnackedBytes: 1 << 20,
      heartbeatIntervalMs: 60_000,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      connectTimeoutMs: 300,
      log: silentLogger(),
    });
    distrustful.start();
    await waitFor(() => distrustful.stats.reconnects >= 2, { what: "failed TLS attempts" });
    expect(distrustful.stats.connected).toBe(false);
    expect(received.length).toBe(2);
    await distrustful.stop();
  });
});
