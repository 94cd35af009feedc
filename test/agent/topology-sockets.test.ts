import { randomBytes } from "node:crypto";
import { checkBtf, checkRoot, findFreePort, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type AgentUnderTest } from "./support/agent-harness.js";
import { buildHelperForTests } from "./support/ebpf.js";
import { RecordingMediator } from "./support/recording-mediator.js";
import { SimNode } from "./support/sim-node.js";

const skip = skipUnless("agent topology of sockets and connections", checkRoot(), checkBtf());

describe.skipIf(skip)("agent topology: listening sockets, notable processes and connections", () => {
  const node = new SimNode();
  const mediator = new RecordingMediator();
  let under: AgentUnderTest | undefined;

  afterAll(async () => {
    await under?.cleanup();
    mediator.kill();
    await node.cleanup();
  });

  it("reports the server's listening socket and the client's connection to it as a calls relation", async () => {
    buildHelperForTests();
    const port = await findFreePort();
    const server = node.add({
      pod: "server",
      command: `node -e 'require("net").createServer((s)=>s.on("error",()=>{})).listen(${port},"127.0.0.1")'`,
    });
    const client = node.add({
      pod: "client",
      command: `node -e 'const c=()=>require("net").connect(${port},"127.0.0.1").on("error",()=>setTimeout(c,100));c();setInterval(()=>{},1e6)'`,
    });
    await Promise.all([node.joined(server), node.joined(client)]);
    const nodeName = `sockets-${randomBytes(3).toString("hex")}`;
    under = await startAgent({
      nodeName,
      kube: { mode: "none" },
      topology: { includeLoopback: true },
      mediator: { address: await mediator.start() },
    });
    const serverId = `container/_host/${nodeName}/container-${server.containerId.slice(0, 12)}`;
    const clientId = `container/_host/${nodeName}/container-${client.containerId.slice(0, 12)}`;
    const upserts = () =>
      mediator.messages().flatMap((m) => (m.body?.$case === "topology" ? m.body.value.upsertEntities : []));
    const relations = () =>
      mediator.messages().flatMap((m) => (m.body?.$case === "topology" ? m.body.value.upsertRelations : []));
    const calls = await waitFor(() => relations().find((r) => r.fromId === clientId && r.type === "calls"), {
      what: "the client's calls relation",
      timeoutMs: 20_000,
    });
    expect(calls).toMatchObject({ toId: `external/127.0.0.1:${port}`, attributes: { port: String(port) } });
    expect(upserts().find((e) => e.id === `external/127.0.0.1:${port}`)?.kind).toBe("external");
    const serverEntity = await waitFor(
      () =>
        upserts()
          .filter((e) => e.id === serverId && e.attributes.listening)
          .at(-1),
      { what: "the server's listening attribute" },
    );
    expect(serverEntity.attributes.listening).toBe(`127.0.0.1:${port}`);
    // the server's main process is a notable process, with its socket, running on the container
    // (a process seen before it listened is upserted again once it does: take the latest)
    const process = await waitFor(
      () =>
        upserts()
          .filter((e) => e.kind === "process" && e.attributes.pid === String(server.process.pid))
          .at(-1)?.attributes.listening !== undefined &&
        upserts()
          .filter((e) => e.kind === "process" && e.attributes.pid === String(server.process.pid))
          .at(-1),
      { what: "the server process with its socket" },
    );
    expect(process.attributes.listening).toBe(`127.0.0.1:${port}`);
    expect(relations()).toContainEqual(
      expect.objectContaining({ fromId: process.id, toId: serverId, type: "runs-on" }),
    );
    // the server's accepted side is not an outgoing connection
    expect(relations().some((r) => r.fromId === serverId && r.type === "calls")).toBe(false);
  });
});
