// kube-sim driven by the real kubectl (v1.33, unpacked by scripts/setup.sh into .local/bin) over
// HTTPS with a kubeconfig written by kube-sim: get, describe, apply, scale, rollout
// restart/status/undo, set resources, auth can-i, create token, delete.
/* eslint-disable @typescript-eslint/no-explicit-any -- free-form API objects in assertions */
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { skipUnless } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function findKubectl(): string | undefined {
  const dirs = [join(repoRoot, ".local", "bin"), ...(process.env.PATH ?? "").split(delimiter)];
  for (const d of dirs) {
    try {
      accessSync(join(d, "kubectl"), constants.X_OK);
      return join(d, "kubectl");
    } catch {
      // not here
    }
  }
  return undefined;
}

const kubectlPath = findKubectl();
const skip = skipUnless("kubectl against kube-sim", {
  ok: kubectlPath !== undefined,
  reason: "kubectl not found in .local/bin or PATH (run scripts/setup.sh)",
});

let sim: RunningKubeSim;
let dir: string;

/** Runs kubectl against the simulator; resolves with stdout, or rejects with stderr. */
async function kubectl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(
      kubectlPath as string,
      ["--kubeconfig", join(dir, "kubeconfig"), "--cache-dir", join(dir, "cache"), ...args],
      { timeout: 60_000 },
    );
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; code?: number };
    throw new Error(
      `kubectl ${args.join(" ")} failed (${String(e.code)}): ${e.stderr ?? ""}${e.stdout ?? ""}`,
    );
  }
}

const json = async (...args: string[]) =>
  JSON.parse(await kubectl(...args, "-o", "json")) as Record<string, any>;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: registry.example.com/web:1.0
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
`;

describe.skipIf(skip)("kube-sim with the real kubectl", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sim-kubectl-"));
    sim = await startKubeSim({ https: true });
    sim.server.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
    for (const name of ["node-a", "node-b"])
      sim.server.seed({ apiVersion: "v1", kind: "Node", metadata: { name } });
    await sim.writeKubeconfig(join(dir, "kubeconfig"));
    await writeFile(join(dir, "web.yaml"), DEPLOYMENT);
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("applies a Deployment and Service; the controllers and kubelet roll it out", async () => {
    expect(await kubectl("apply", "-f", join(dir, "web.yaml"))).toMatch(
      /deployment.apps\/web created[\s\S]*service\/web created/,
    );
    expect(await kubectl("rollout", "status", "-n", "shop", "deployment/web", "--timeout=30s")).toContain(
      'deployment "web" successfully rolled out',
    );
    const pods = await json("get", "pods", "-n", "shop", "-l", "app=web");
    expect(pods.items).toHaveLength(2);
    for (const p of pods.items) {
      expect(p.status.phase).toBe("Running");
      expect(p.status.podIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(["node-a", "node-b"]).toContain(p.spec.nodeName);
      expect(p.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(p.metadata.labels["pod-template-hash"]).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    }
    const table = await kubectl("get", "pods", "-A", "-o", "wide");
    expect(table).toMatch(/NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(table).toMatch(/shop\s+web-\S+\s+1\/1\s+Running\s+0/);
    const slices = await json("get", "endpointslices", "-n", "shop", "-l", "kubernetes.io/service-name=web");
    expect(slices.items[0].endpoints).toHaveLength(2);
    expect(slices.items[0].ports).toEqual([{ name: "", port: 8080, protocol: "TCP" }]);

    const described = await kubectl("describe", "deployment", "-n", "shop", "web");
    expect(described).toMatch(
      /Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/,
    );
    expect(described).toMatch(/NewReplicaSet:\s+web-\S+ \(2\/2 replicas created\)/);
    expect(described).toContain("ScalingReplicaSet");
  });

  it("scales, restarts, sets resources and rolls back with revisions like the real controller", async () => {
    expect(await kubectl("scale", "-n", "shop", "deployment/web", "--replicas=3")).toContain("scaled");
    await kubectl("rollout", "status", "-n", "shop", "deployment/web", "--timeout=30s");
    expect((await json("get", "deployment", "-n", "shop", "web")).status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      updatedReplicas: 3,
    });

    await kubectl("rollout", "restart", "-n", "shop", "deployment/web");
    await kubectl("rollout", "status", "-n", "shop", "deployment/web", "--timeout=30s");
    await kubectl(
      "set",
      "resources",
      "-n",
      "shop",
      "deployment/web",
      "-c",
      "app",
      "--limits=memory=512Mi,cpu=500m",
    );
    await kubectl("rollout", "status", "-n", "shop", "deployment/web", "--timeout=30s");
    const d = await json("get", "deployment", "-n", "shop", "web");
    expect(d.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
    expect(d.spec.template.spec.containers[0].resources.limits).toEqual({ memory: "512Mi", cpu: "500m" });
    const running = await json("get", "pods", "-n", "shop", "-l", "app=web");
    expect(running.items).toHaveLength(3);
    for (const p of running.items) expect(p.spec.containers[0].resources.limits.memory).toBe("512Mi");

    expect(await kubectl("rollout", "undo", "-n", "shop", "deployment/web")).toContain("rolled back");
    await kubectl("rollout", "status", "-n", "shop", "deployment/web", "--timeout=30s");
    const back = await json("get", "deployment", "-n", "shop", "web");
    expect(back.spec.template.spec.containers[0].resources).toEqual({});
    expect(back.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("4");
    // The undo reused revision 2's ReplicaSet (same template) as revision 4 rather than making a new one.
    const sets = (await json("get", "replicasets", "-n", "shop")).items as { metadata: any; spec: any }[];
    expect(sets).toHaveLength(3);
    const revisions = sets.map((rs) => rs.metadata.annotations["deployment.kubernetes.io/revision"]).sort();
    expect(revisions).toEqual(["1", "3", "4"]);
    expect(sets.filter((rs) => rs.spec.replicas > 0)).toHaveLength(1);
  });

  it("cordons and drains a node through the Eviction API, which a PodDisruptionBudget can refuse", async () => {
    await kubectl(
      "create",
      "poddisruptionbudget",
      "-n",
      "shop",
      "web",
      "--selector=app=web",
      "--min-available=3",
    );
    const pods = await json("get", "pods", "-n", "shop", "-l", "app=web");
    const node = pods.items[0].spec.nodeName as string;
    const blocked = await kubectl("drain", node, "--ignore-daemonsets", "--timeout=2s").catch(
      (e: Error) => e.message,
    );
    expect(blocked).toMatch(/error when evicting pods\/"web-/);
    expect((await json("get", "node", node)).spec.unschedulable).toBe(true);
    await kubectl("delete", "poddisruptionbudget", "-n", "shop", "web");
    expect(await kubectl("drain", node, "--ignore-daemonsets", "--timeout=20s")).toContain(
      `node/${node} drained`,
    );
    await kubectl("rollout", "status", "-n", "shop", "deployment/web", "--timeout=30s");
    const after = await json("get", "pods", "-n", "shop", "-l", "app=web");
    expect(after.items).toHaveLength(3);
    for (const p of after.items) expect(p.spec.nodeName).not.toBe(node);
    await kubectl("uncordon", node);
  });

  it("answers auth can-i from RBAC, creates tokens that authenticate, and deletes with garbage collection", async () => {
    expect((await kubectl("auth", "can-i", "delete", "pods", "-n", "shop")).trim()).toBe("yes");
    await kubectl("create", "serviceaccount", "-n", "shop", "viewer");
    const cannot = await kubectl(
      "auth",
      "can-i",
      "list",
      "pods",
      "-n",
      "shop",
      "--as=system:serviceaccount:shop:viewer",
    ).catch((e: Error) => e.message);
    expect(cannot).toMatch(/\bno\b/);
    await kubectl(
      "create",
      "rolebinding",
      "-n",
      "shop",
      "viewer",
      "--clusterrole=view",
      "--serviceaccount=shop:viewer",
    );
    expect(
      (
        await kubectl("auth", "can-i", "list", "pods", "-n", "shop", "--as=system:serviceaccount:shop:viewer")
      ).trim(),
    ).toBe("yes");

    const token = (await kubectl("create", "token", "-n", "shop", "viewer", "--duration=10m")).trim();
    expect(token.split(".")).toHaveLength(3);
    expect(await kubectl("--token", token, "get", "pods", "-n", "shop")).toMatch(/web-\S+\s+1\/1\s+Running/);
    const forbidden = await kubectl("--token", token, "delete", "pods", "--all", "-n", "shop").catch(
      (e: Error) => e.message,
    );
    expect(forbidden).toMatch(/Forbidden.*cannot (list|delete) resource "pods"/);

    expect(await kubectl("delete", "-f", join(dir, "web.yaml"))).toMatch(/deployment.apps "web" deleted/);
    const after = await kubectl(
      "get",
      "deployments,replicasets,pods,endpointslices",
      "-n",
      "shop",
      "-o",
      "name",
    );
    expect(after.trim()).toBe("");
    const missing = await kubectl("get", "deployment", "-n", "shop", "web").catch((e: Error) => e.message);
    expect(missing).toContain('deployments.apps "web" not found');
  });

  it("takes kubectl's generators, whose typed clients send protobuf: create deployment/job/secret, expose", async () => {
    await kubectl(
      "create",
      "deployment",
      "-n",
      "shop",
      "api",
      "--image=registry.example.com/api:2",
      "--replicas=2",
      "--port=8080",
    );
    await kubectl("rollout", "status", "-n", "shop", "deployment/api", "--timeout=30s");
    const d = await json("get", "deployment", "-n", "shop", "api");
    expect(d.spec).toMatchObject({ replicas: 2, selector: { matchLabels: { app: "api" } } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({
      name: "api",
      image: "registry.example.com/api:2",
      ports: [{ containerPort: 8080, protocol: "TCP" }],
    });
    await kubectl("expose", "deployment", "-n", "shop", "api", "--port=80", "--target-port=8080");
    expect((await json("get", "service", "-n", "shop", "api")).spec).toMatchObject({
      selector: { app: "api" },
      ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }],
    });
    await kubectl("create", "job", "-n", "shop", "once", "--image=busybox:1.36", "--", "echo", "hi");
    expect(
      await kubectl("wait", "-n", "shop", "--for=condition=Complete", "job/once", "--timeout=30s"),
    ).toContain("condition met");
    await kubectl("create", "secret", "generic", "-n", "shop", "creds", "--from-literal=user=admin");
    expect((await json("get", "secret", "-n", "shop", "creds")).data).toEqual({
      user: Buffer.from("admin").toString("base64"),
    });
    await kubectl("delete", "deployment,service,job", "-n", "shop", "api", "once", "--ignore-not-found");
  });

  it("accepts server-side apply (simplified: no field ownership) for create and update", async () => {
    const file = join(dir, "settings.yaml");
    const cm = (mode: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {mode: ${mode}}\n`;
    await writeFile(file, cm("a"));
    expect(await kubectl("apply", "--server-side", "-f", file)).toContain(
      "configmap/settings serverside-applied",
    );
    await writeFile(file, cm("b"));
    await kubectl("apply", "--server-side", "-f", file);
    expect((await json("get", "configmap", "-n", "shop", "settings")).data).toEqual({ mode: "b" });
  });

  it("works against the standalone CLI: it generates a cluster and writes the kubeconfig kubectl uses", async () => {
    const kubeconfig = join(dir, "cli-kubeconfig");
    const child = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        join(repoRoot, "packages", "kube-sim", "src", "cli", "main.ts"),
        "--port=0",
        "--nodes=4",
        "--pods=30",
        `--kubeconfig=${kubeconfig}`,
        "--logLevel=warn",
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`kube-sim exited with ${String(code)}`)));
        createInterface({ input: child.stdout }).once("line", resolve);
      });
      const ready = JSON.parse(line) as { url: string; generated: { pods: number } };
      expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.generated.pods).toBe(30);
      const { stdout } = await run(kubectlPath as string, [
        "--kubeconfig",
        kubeconfig,
        "--cache-dir",
        join(dir, "cache-cli"),
        "get",
        "pods",
        "-A",
        "--no-headers",
      ]);
      const rows = stdout.trim().split("\n");
      expect(rows).toHaveLength(30);
      for (const row of rows) expect(row).toMatch(/\s1\/1\s+Running\s+0\s/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
