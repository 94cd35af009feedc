import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  NETWORK_NAMES,
  hierarchyRoots,
  localStackConfigSchema,
  startLocalStack,
  type KubeObject,
  type LocalStackConfigInput,
  type RunningStack,
} from "@causeway/local-stack";
import { createLogger } from "@causeway/runtime";
import { findFreePort, waitFor } from "@causeway/testkit";

/** A whole local stack on free ports with a fresh data dir, for one test file. */
export interface StackUnderTest {
  readonly stack: RunningStack;
  readonly dataDir: string;
  readonly progress: string[];
  /** Pids of every process of the stack: components and pod containers. */
  pids(): number[];
  cleanup(): Promise<void>;
}

export const TEST_CGROUP_ROOT = "causeway-local-test";

export async function startStackForTest(overrides: LocalStackConfigInput = {}): Promise<StackUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), "causeway-stack-"));
  const progress: string[] = [];
  const config = localStackConfigSchema.parse({
    dataDir,
    componentLogLevel: "info",
    victoriaMetrics: { listenAddress: `127.0.0.1:${await findFreePort()}` },
    kubeSim: { port: 0 },
    mediator: { grpcPort: 0, httpPort: 0, otlpGrpcPort: 0, otlpHttpPort: 0 },
    agent: { metricsPort: 0 },
    control: { port: 0 },
    node: { name: "stack-test-node", cgroupRoot: TEST_CGROUP_ROOT, restartBackoffInitialMs: 2000 },
    ...overrides,
  });
  const stack = await startLocalStack(
    config,
    createLogger({ component: "local-stack-test", level: process.env.TEST_LOG ?? "silent" }),
    { write: (text) => void progress.push(text) },
  );
  return {
    stack,
    dataDir,
    progress,
    pids: () =>
      [
        ...stack.componentPids,
        ...[...stack.kubelet.workers.values()].flatMap((w) => w.runners.map((r) => r.pid)),
      ].filter((p): p is number => p !== undefined),
    async cleanup() {
      await stack.stop();
      if (process.env.KEEP_STACK_DATA) return;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Everything of the stack still on this machine (should be empty after stop). */
export function leftovers(stack: RunningStack, pids: readonly number[]): string[] {
  const left: string[] = [];
  for (const pid of pids) if (existsSync(`/proc/${pid}`)) left.push(`process ${pid}`);
  if (stack.hierarchies)
    for (const r of hierarchyRoots(stack.hierarchies))
      if (existsSync(join(r, stack.cgroupRoot))) left.push(`cgroup ${join(r, stack.cgroupRoot)}`);
  const netns = existsSync("/run/netns") ? readdirSync("/run/netns") : [];
  left.push(...netns.filter((n) => n.startsWith(NETWORK_NAMES.netnsPrefix)).map((n) => `netns ${n}`));
  for (const link of readdirSync("/sys/class/net"))
    if (link.startsWith(NETWORK_NAMES.vethPrefix) || link === NETWORK_NAMES.bridge) left.push(`link ${link}`);
  return left;
}

/** The pod of a demo Deployment (the newest, when a rollout is under way). */
export async function podOf(
  stack: RunningStack,
  app: string,
  namespace = "shop",
): Promise<KubeObject | undefined> {
  const list = await stack.kube.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=app%3D${app}`);
  const pods = ((list.items ?? []) as KubeObject[]).filter((p) => !p.metadata.deletionTimestamp);
  return pods.sort((a, b) =>
    String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
  )[0];
}

/** GET on the mediator's API. */
export async function api<T>(stack: RunningStack, path: string): Promise<T> {
  const res = await fetch(`${stack.urls.api}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export interface RootCauseView {
  readonly id: string;
  readonly type: string;
  readonly rank: number;
  readonly primary: boolean;
  readonly entity: { readonly id: string };
}

/** Waits for the first OOM kill of a demo service's container; resolves with when it was seen. */
export async function firstOomKill(stack: RunningStack, app: string): Promise<number> {
  return waitFor(
    async () => {
      const pod = await podOf(stack, app);
      const s = ((pod?.status?.containerStatuses ?? []) as KubeObject[])[0];
      const t = s?.lastState?.terminated ?? s?.state?.terminated;
      return t?.reason === "OOMKilled" ? Date.parse(String(t.finishedAt)) : undefined;
    },
    { what: `the first OOM kill of ${app}`, timeoutMs: 60_000, intervalMs: 250 },
  );
}

export async function approverToken(stack: RunningStack): Promise<string> {
  return (await readFile(stack.approverTokenFile, "utf8")).trim();
}
