import { mkdtemp, rm } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata, credentials, type ClientDuplexStream } from "@grpc/grpc-js";
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { Mediator, parseMediatorConfig, type MediatorConfigInput } from "@causeway/mediator";
import { AgentServiceClient, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { createLogger, silentLogger } from "@causeway/runtime";
import { startVictoriaMetrics, type VictoriaMetricsProcess } from "@causeway/testkit";

export const AUDIENCE = "causeway-mediator";

/** kube-sim, a real VictoriaMetrics and a mediator watching the one and writing to the other. */
export interface ClusterHarness {
  readonly kube: RunningKubeSim;
  readonly vm: VictoriaMetricsProcess;
  readonly mediator: Mediator;
  readonly dir: string;
  /** kube-sim's clock runs this far ahead of the real one (to expire tokens). */
  clockOffsetMs: number;
  kubeRequest(method: string, path: string, body?: unknown): Promise<unknown>;
  api<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startClusterHarness(overrides: MediatorConfigInput = {}): Promise<ClusterHarness> {
  const dir = await mkdtemp(join(tmpdir(), "causeway-mediator-it-"));
  const state = { clockOffsetMs: 0 };
  const kube = await startKubeSim({
    https: true,
    clock: () => Date.now() + state.clockOffsetMs,
    controllers: { crashLoopRestartMs: 500 },
  });
  const vm = await startVictoriaMetrics();
  const kubeconfig = join(dir, "kubeconfig");
  await kube.writeKubeconfig(kubeconfig);
  const config = parseMediatorConfig({
    dataDir: join(dir, "data"),
    logLevel: "silent",
    grpc: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    otlp: { grpc: { host: "127.0.0.1", port: 0 }, http: { host: "127.0.0.1", port: 0 }, tickIntervalMs: 200 },
    kube: { kubeconfig, listPageSize: 50 },
    auth: { audience: AUDIENCE },
    victoriaMetrics: { url: vm.url, writeIntervalMs: 1000 },
    symptoms: { podPendingAfterMs: 0, unavailableReplicasAfterMs: 0, tickIntervalMs: 100 },
    ...overrides,
  });
  // MEDIATOR_IT_LOG=debug shows the mediator's log while debugging a test.
  const level = process.env.MEDIATOR_IT_LOG;
  const log = level ? createLogger({ component: "mediator", level }) : silentLogger();
  const mediator = await Mediator.start({ config, log });
  const harness: ClusterHarness = {
    kube,
    vm,
    mediator,
    dir,
    get clockOffsetMs() {
      return state.clockOffsetMs;
    },
    set clockOffsetMs(v: number) {
      state.clockOffsetMs = v;
    },
    kubeRequest(method, path, body) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          `${kube.url}${path}`,
          {
            method,
            ca: kube.caCert,
            headers: {
              authorization: `Bearer ${kube.adminToken}`,
              "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json",
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              if ((res.statusCode ?? 0) >= 300)
                reject(new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text}`));
              else resolve(JSON.parse(text) as unknown);
            });
          },
        );
        req.on("error", reject);
        req.end(payload);
      });
    },
    async api<T>(path: string) {
      const res = await fetch(`http://127.0.0.1:${mediator.ports.http}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    },
    async close() {
      await mediator.stop();
      await kube.close();
      await vm.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** An agent stream over real gRPC, with the messages a node's agent sends. */
export interface TestAgentStream {
  readonly call: ClientDuplexStream<AgentMessage, MediatorMessage>;
  readonly acks: number[];
  readonly ended: Promise<{ code: number; details: string }>;
  send(message: AgentMessage): void;
  close(): void;
}

export function agentStream(mediator: Mediator, token: string | undefined): TestAgentStream {
  const client = new AgentServiceClient(`127.0.0.1:${mediator.ports.grpc}`, credentials.createInsecure());
  const md = new Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  const call = client.connect(md);
  const acks: number[] = [];
  call.on("data", (m: MediatorMessage) => {
    if (m.body?.$case === "ack") acks.push(m.body.value.highestContiguousSeq);
  });
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    call.on("error", (e: { code: number; details: string }) => resolve(e));
    call.on("end", () => resolve({ code: 0, details: "" }));
  });
  return {
    call,
    acks,
    ended,
    send: (m) => call.write(m),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

export function hello(seq: number, agentId: string, nodeName: string): AgentMessage {
  return {
    seq,
    createdUnixMs: Date.now(),
    body: {
      $case: "hello",
      value: {
        agentId,
        nodeName,
        version: "test",
        capabilities: {
          ebpf: true,
          cgroupV1: false,
          cgroupV2: true,
          kernelRelease: "6.1",
          degradedReasons: [],
        },
      },
    },
  };
}
