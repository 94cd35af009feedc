// The executor authenticates to the mediator: the real ExecutorSession dials a real mediator over
// TLS (the CA from a file) and presents its projected ServiceAccount token (kube-sim TokenRequest,
// the mediator's audience, re-read from its file on every connect). Executors with no token, a
// wrong-audience token or a ServiceAccount outside `auth.executorUsernames` are refused
// UNAUTHENTICATED and never receive the approved task; the allowed executor does.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecutorSession, type TaskRunner } from "@causeway/executor";
import { createServingCertificate } from "@causeway/kube-sim";
import { Task, TaskOutcome, type SignedTask } from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, startClusterHarness, type ClusterHarness } from "./harness.js";

const EXECUTOR_USER = "system:serviceaccount:causeway:causeway-executor";
let h: ClusterHarness;
let dir: string;
let caFile: string;
const sessions: ExecutorSession[] = [];

/** Records the tasks a session hands it and reports each verified; the executor's real runner is tested elsewhere. */
function recordingRunner(tasks: SignedTask[]): TaskRunner {
  return {
    run: async (signed: SignedTask) => {
      tasks.push(signed);
      return {
        taskId: Task.decode(signed.task).taskId,
        outcome: TaskOutcome.TASK_OUTCOME_VERIFIED,
        message: "recorded",
        finishedUnixMs: Date.now(),
      };
    },
  } as unknown as TaskRunner;
}

async function executor(
  name: string,
  token: string | undefined,
): Promise<{
  session: ExecutorSession;
  tasks: SignedTask[];
  tokenFile: string;
}> {
  const tokenFile = join(dir, `${name}.token`);
  if (token !== undefined) await writeFile(tokenFile, `${token}\n`);
  const tasks: SignedTask[] = [];
  const session = new ExecutorSession({
    address: `127.0.0.1:${h.mediator.ports.grpc}`,
    executorId: name,
    version: "test",
    runner: recordingRunner(tasks),
    tokenFile,
    tls: { caFile },
    reconnectMaxDelayMs: 200,
    log: silentLogger(),
  });
  sessions.push(session);
  void session.run();
  return { session, tasks, tokenFile };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-executor-auth-"));
  const cert = await createServingCertificate(["127.0.0.1", "localhost"]);
  caFile = join(dir, "ca.crt");
  await writeFile(caFile, cert.caCert);
  await writeFile(join(dir, "tls.crt"), cert.cert);
  await writeFile(join(dir, "tls.key"), cert.key);
  h = await startClusterHarness({
    tls: { certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key") },
    auth: { audience: AUDIENCE, executorUsernames: [EXECUTOR_USER] },
    otlp: { enabled: false },
  });
  await h.kubeRequest("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "causeway" },
  });
  await waitFor(() => h.mediator.ready || undefined, { timeoutMs: 30_000, what: "mediator ready" });
});

afterAll(async () => {
  for (const s of sessions) s.stop();
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("executor authentication", () => {
  it("is required by default", () => {
    expect(h.mediator.config.auth.requireExecutorToken).toBe(true);
  });

  it("refuses executors without a valid, allowed token and hands them no task; the allowed one gets it", async () => {
    const lifecycle = h.mediator.lifecycle;
    if (!lifecycle) throw new Error("no lifecycle");
    const noToken = await executor("no-token", undefined);
    const wrongAudience = await executor(
      "wrong-audience",
      await h.kube.serviceAccountToken("causeway", "causeway-executor"),
    );
    const notAllowed = await executor(
      "not-allowed",
      await h.kube.serviceAccountToken("causeway", "causeway-agent", { audiences: [AUDIENCE] }),
    );
    const refusedOnes = [noToken, wrongAudience, notAllowed];
    await waitFor(() => refusedOnes.every((e) => e.session.stats().refused >= 2) || undefined, {
      what: "each bad executor refused (and retrying)",
    });

    const proposed = await lifecycle.propose({
      change: {
        action: "scale",
        target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" },
        replicas: 3,
      },
      reason: "executor auth test",
    });
    await lifecycle.approve(proposed.id, h.kube.adminToken, proposed.changeSha256);
    // While only refused executors try to connect, the task stays undelivered.
    const before = refusedOnes.map((e) => e.session.stats().refused);
    await waitFor(
      () => refusedOnes.every((e, i) => e.session.stats().refused >= (before[i] ?? 0) + 2) || undefined,
      { what: "more refusals after the approval" },
    );
    expect(refusedOnes.map((e) => e.tasks.length)).toEqual([0, 0, 0]);
    expect(lifecycle.get(proposed.id).state).toBe("approved");

    // The allowed executor starts with a stale token; the kubelet then rotates the file, and the
    // next connect reads the new one.
    const good = await executor("good", "not-a-token");
    await waitFor(() => good.session.stats().refused >= 1 || undefined, { what: "stale token refused" });
    await writeFile(
      good.tokenFile,
      await h.kube.serviceAccountToken("causeway", "causeway-executor", { audiences: [AUDIENCE] }),
    );
    await waitFor(() => good.tasks.length === 1 || undefined, { what: "the task at the allowed executor" });
    expect(Task.decode((good.tasks[0] as SignedTask).task).remediationId).toBe(proposed.id);
    await waitFor(() => lifecycle.get(proposed.id).state === "verified" || undefined, {
      what: "the result recorded",
    });
    expect(good.session.stats()).toMatchObject({ connected: true, tasks: 1 });
    expect(refusedOnes.map((e) => e.tasks.length)).toEqual([0, 0, 0]);

    const ca = await readFile(caFile);
    const metrics = await new Promise<string>((resolve, reject) => {
      httpsGet(`https://127.0.0.1:${h.mediator.ports.http}/metrics`, { ca }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
      }).on("error", reject);
    });
    const refused = /causeway_mediator_executor_streams_refused_total\{reason="unauthenticated"\} (\d+)/.exec(
      metrics,
    );
    expect(Number(refused?.[1])).toBeGreaterThanOrEqual(7);
  });
});
