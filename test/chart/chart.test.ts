// The Causeway Helm chart, exercised with the real helm binary: lint, render every CI scenario,
// validate against the Kubernetes OpenAPI schemas (kubernetes-models), and check the security posture.
import { describe, expect, it } from "vitest";
import {
  chartDir,
  ciDir,
  ciValuesFiles,
  find,
  helm,
  type K8sObject,
  NAMESPACE,
  RELEASE,
  repoRoot,
  template,
} from "./helm.js";
import { restrictedViolations } from "./restricted.js";
import { join } from "node:path";
import { ACTION_RBAC, REMEDIATION_ACTIONS, actionServiceAccountName } from "@causeway/remediation";

type Json = Record<string, unknown>;
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

const scenarios = ciValuesFiles();
const rendered = new Map<string, Promise<K8sObject[]>>();
function render(file: string): Promise<K8sObject[]> {
  let p = rendered.get(file);
  if (!p) {
    p = template([file]);
    rendered.set(file, p);
  }
  return p;
}

function podSpec(o: K8sObject): Json {
  const spec = o.spec as Json;
  return ((spec.template as Json).spec ?? {}) as Json;
}
function workloads(objs: K8sObject[]): K8sObject[] {
  return objs.filter((o) => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind));
}
function container(o: K8sObject): Json {
  const c = (podSpec(o).containers as Json[])[0];
  if (!c) throw new Error(`${o.metadata.name} has no container`);
  return c;
}
function rules(o: K8sObject): Rule[] {
  return (o.rules ?? []) as Rule[];
}
/** Flattens rules to "group/resource:verb" strings, sorted, for exact comparison. */
function grants(rs: Rule[]): string[] {
  const out: string[] = [];
  for (const r of rs)
    for (const g of r.apiGroups)
      for (const res of r.resources) for (const v of r.verbs) out.push(`${g}/${res}:${v}`);
  return out.sort();
}

describe("chart scenarios", () => {
  it("ships the required ci scenarios", () => {
    expect(scenarios).toEqual(
      expect.arrayContaining([
        "default-values.yaml",
        "privileged-agent-values.yaml",
        "executor-values.yaml",
        "executor-clusteradmin-values.yaml",
        "external-vm-values.yaml",
        "tls-provided-values.yaml",
        "upstream-values.yaml",
      ]),
    );
  });

  it("helm lint --strict is clean with the defaults and every ci values file", async () => {
    const runs = [[], ...scenarios.map((f) => ["-f", join(ciDir, f)])];
    for (const extra of runs) {
      const res = await helm(["lint", "--strict", chartDir, ...extra]);
      expect(res.code, `${extra.join(" ")}\n${res.stdout}${res.stderr}`).toBe(0);
      expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it("the kind e2e values (deploy/kind/e2e-values.yaml) pass lint --strict and render", async () => {
    const e2eValues = join(repoRoot, "deploy", "kind", "e2e-values.yaml");
    const res = await helm(["lint", "--strict", chartDir, "-f", e2eValues]);
    expect(res.code, `${res.stdout}${res.stderr}`).toBe(0);
    expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    const rendered = await helm(["template", RELEASE, chartDir, "-n", NAMESPACE, "-f", e2eValues]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain("image: causeway.local/causeway-mediator:e2e");
  });

  it("values.schema.json rejects unknown keys at nested levels and bad enums", async () => {
    for (const set of [
      "agent.bogus=1",
      "mediator.persistence.bogus=1",
      "bogus=1",
      "tls.mode=selfsigned",
      "executor.actions={drain}",
    ]) {
      const res = await helm(["template", "x", chartDir, "--set", set]);
      expect(res.code, set).not.toBe(0);
      expect(res.stderr, set).toMatch(/schema|not allowed|must be one of|value must be/i);
    }
  });

  it("refuses inconsistent values with a clear message", async () => {
    const res = await helm(["template", "x", chartDir, "--set", "tls.mode=provided"]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("tls.mode=provided requires tls.existingSecret");
  });

  it("the OpenAPI validator rejects a malformed object (it is live, not a no-op)", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const d = find(await render("default-values.yaml"), "Deployment", "-mediator");
    expect(() => new Deployment(d as never).validate()).not.toThrow();
    const broken = structuredClone(d) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = "one";
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });

  it.each(scenarios)(
    "renders %s into objects that validate against the Kubernetes OpenAPI schemas",
    async (file) => {
      const objs = await render(file);
      expect(objs.length).toBeGreaterThan(5);
      for (const o of objs) {
        const [groupVersion, version] = o.apiVersion.includes("/")
          ? o.apiVersion.split("/")
          : ["v1", undefined];
        if (o.apiVersion.startsWith("monitoring.coreos.com/")) continue; // CRD, not in the core OpenAPI
        const modPath = version
          ? `kubernetes-models/${groupVersion}/${version}/${o.kind}`
          : `kubernetes-models/v1/${o.kind}`;
        const mod = (await import(/* @vite-ignore */ modPath)) as Record<
          string,
          new (d: unknown) => { validate(): void }
        >;
        const Ctor = mod[o.kind];
        expect(Ctor, `${modPath} exports ${o.kind}`).toBeTypeOf("function");
        if (!Ctor) continue;
        expect(() => new Ctor(o).validate(), `${o.kind}/${o.metadata.name} in ${file}`).not.toThrow();
        if (o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding" && o.kind !== "PriorityClass") {
          expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE);
        }
      }
    },
  );
});

describe("security posture", () => {
  it("the default agent has exactly BPF, PERFMON, SYS_RESOURCE, SYS_PTRACE, drops ALL, read-only host mounts", async () => {
    const objs = await render("default-values.yaml");
    const ds = find(objs, "DaemonSet", "-agent");
    const spec = podSpec(ds);
    const c = container(ds);
    const sc = c.securityContext as Json;
    const caps = sc.capabilities as { add: string[]; drop: string[] };
    expect([...caps.add].sort()).toEqual(["BPF", "PERFMON", "SYS_PTRACE", "SYS_RESOURCE"]);
    expect(caps.drop).toEqual(["ALL"]);
    expect(sc.privileged).toBe(false);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect((sc.seccompProfile as Json).type).toBe("RuntimeDefault");
    expect(spec.hostPID).toBe(true);
    expect(spec.hostNetwork).toBe(false);
    expect(spec.priorityClassName).toBe(find(objs, "PriorityClass", "-agent").metadata.name);
    const mounts = c.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[];
    const volumes = spec.volumes as Json[];
    const hostVolumes = volumes.filter((v) => v.hostPath !== undefined);
    expect(hostVolumes.map((v) => (v.hostPath as Json).path).sort()).toEqual([
      "/proc",
      "/sys",
      "/sys/fs/cgroup",
    ]);
    for (const hv of hostVolumes) {
      const m = mounts.find((x) => x.name === hv.name);
      expect(m?.readOnly, `${String(hv.name)} must be mounted read-only`).toBe(true);
    }
    expect(mounts.find((m) => m.mountPath === "/host/proc")?.name).toBe("host-proc");
    expect(mounts.find((m) => m.mountPath === "/host/sys")?.name).toBe("host-sys");
    // Projected token with the mediator's audience; no default API token.
    expect(spec.automountServiceAccountToken).toBe(false);
    const projected = volumes.find((v) => v.projected !== undefined)?.projected as { sources: Json[] };
    const token = projected.sources.find((s) => s.serviceAccountToken !== undefined)
      ?.serviceAccountToken as Json;
    expect(token.audience).toBe("causeway-mediator");
    // The agent is not restricted-compliant by design; the checker must say so.
    expect(restrictedViolations(spec)).toEqual(
      expect.arrayContaining(["hostPID", "agent: adds capability BPF"]),
    );
  });

  it("agent.privileged=true is an explicit opt-in", async () => {
    const c = container(find(await render("privileged-agent-values.yaml"), "DaemonSet", "-agent"));
    expect((c.securityContext as Json).privileged).toBe(true);
    const def = container(find(await render("default-values.yaml"), "DaemonSet", "-agent"));
    expect((def.securityContext as Json).privileged).toBe(false);
  });

  it.each(scenarios)(
    "%s: every pod but the agent's (and a cluster-admin executor's) meets Pod Security restricted",
    async (file) => {
      const objs = await render(file);
      const ws = workloads(objs);
      expect(ws.length).toBeGreaterThan(1);
      for (const w of ws) {
        const component = w.metadata.labels?.["app.kubernetes.io/component"];
        const violations = restrictedViolations(podSpec(w));
        if (component === "agent") continue;
        expect(violations, `${w.kind}/${w.metadata.name}`).toEqual([]);
        expect((container(w).securityContext as Json).readOnlyRootFilesystem).toBe(true);
        const res = container(w).resources as { requests?: Json; limits?: Json };
        expect(res.requests?.cpu && res.requests.memory && res.limits?.cpu && res.limits.memory).toBeTruthy();
      }
    },
  );

  it("the restricted checker catches each class of violation", () => {
    const good = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "c",
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
          },
        },
      ],
      volumes: [{ name: "d", emptyDir: {} }],
    };
    expect(restrictedViolations(good)).toEqual([]);
    const bad = (patch: Json) => restrictedViolations({ ...good, ...patch }).length;
    expect(bad({ hostNetwork: true })).toBe(1);
    expect(bad({ hostIPC: true })).toBe(1);
    expect(bad({ volumes: [{ name: "h", hostPath: { path: "/" } }] })).toBe(1);
    expect(bad({ securityContext: { seccompProfile: { type: "Unconfined" }, runAsNonRoot: true } })).toBe(1);
    expect(
      bad({
        containers: [
          {
            name: "c",
            securityContext: {
              privileged: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
            },
          },
        ],
      }),
    ).toBe(1);
    expect(
      bad({
        containers: [
          {
            name: "c",
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] },
            },
          },
        ],
      }),
    ).toBe(1);
    expect(bad({ containers: [{ name: "c", securityContext: { capabilities: { drop: ["ALL"] } } }] })).toBe(
      1,
    );
    expect(bad({ containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false } }] })).toBe(
      1,
    );
  });
});

describe("RBAC", () => {
  it("agent and mediator get exactly the verbs they use", async () => {
    const objs = await render("default-values.yaml");
    expect(grants(rules(find(objs, "ClusterRole", "-agent")))).toEqual([
      "/nodes:get",
      "/pods:get",
      "/pods:list",
      "/pods:watch",
    ]);
    const read = (g: string, rs: string[]) =>
      rs.flatMap((r) => ["get", "list", "watch"].map((v) => `${g}/${r}:${v}`));
    expect(grants(rules(find(objs, "ClusterRole", "-mediator")))).toEqual(
      [
        ...read("", ["nodes", "pods", "services", "events"]),
        ...read("discovery.k8s.io", ["endpointslices"]),
        ...read("apps", ["deployments", "replicasets", "statefulsets", "daemonsets"]),
        ...read("batch", ["jobs", "cronjobs"]),
        ...read("autoscaling", ["horizontalpodautoscalers"]),
        "authentication.k8s.io/tokenreviews:create",
        "authorization.k8s.io/subjectaccessreviews:create",
      ].sort(),
    );
    // No executor objects by default, and the approver role carries only the custom verb.
    expect(objs.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "executor")).toEqual([]);
    expect(grants(rules(find(objs, "ClusterRole", "causeway-approver")))).toEqual([
      "causeway.dev/remediations:approve",
    ]);
    // No wildcard anywhere.
    for (const o of objs.filter((x) => x.kind === "ClusterRole" || x.kind === "Role")) {
      expect(JSON.stringify(o.rules)).not.toContain('"*"');
    }
  });

  it("the executor has one ServiceAccount and ClusterRole per action, each with only that action's verbs", async () => {
    const objs = await render("executor-values.yaml");
    const own = find(objs, "Role", "-executor");
    expect(grants(rules(own))).toEqual([
      "/secrets:create",
      "/secrets:delete",
      "/serviceaccounts/token:create",
    ]);
    const tokenRule = rules(own).find((r) => r.resources.includes("serviceaccounts/token"));
    const actions = Object.keys(ACTION_RBAC) as (keyof typeof ACTION_RBAC)[];
    expect(actions.length).toBeGreaterThan(5);
    expect(tokenRule?.resourceNames?.sort()).toEqual(actions.map((a) => actionServiceAccountName(a)).sort());
    expect(grants(rules(find(objs, "ClusterRole", "-executor")))).toEqual([
      "authorization.k8s.io/selfsubjectaccessreviews:create",
    ]);
    // Each per-action ClusterRole carries exactly the rules @causeway/remediation declares for it.
    for (const a of actions) {
      const sa = find(objs, "ServiceAccount", `-action-${a}`);
      expect(sa.metadata.name).toBe(actionServiceAccountName(a));
      const declared = ACTION_RBAC[a].rules.map((r) => ({
        apiGroups: [...r.apiGroups],
        resources: [...r.resources],
        verbs: [...r.verbs],
      }));
      expect(grants(rules(find(objs, "ClusterRole", `-action-${a}`))), a).toEqual(grants(declared));
      const binding = find(objs, "ClusterRoleBinding", `-action-${a}`) as unknown as {
        subjects: Json[];
        roleRef: Json;
      };
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name: actionServiceAccountName(a), namespace: NAMESPACE },
      ]);
    }
    // Spot-check against the brief, independent of the remediation package.
    expect(grants(rules(find(objs, "ClusterRole", "-action-delete-pod")))).toEqual([
      "/pods:delete",
      "/pods:get",
    ]);
    expect(grants(rules(find(objs, "ClusterRole", "-action-cordon")))).toEqual([
      "/nodes:get",
      "/nodes:patch",
    ]);
    expect(objs.some((o) => JSON.stringify(o).includes('"cluster-admin"'))).toBe(false);
  });

  it("executor.clusterAdmin binds cluster-admin in place of the narrow Role; actions keep their per-action accounts", async () => {
    const objs = await render("executor-clusteradmin-values.yaml");
    const b = find(objs, "ClusterRoleBinding", "-executor-cluster-admin") as unknown as { roleRef: Json };
    expect(b.roleRef.name).toBe("cluster-admin");
    expect(objs.filter((o) => o.kind === "Role" && o.metadata.name.endsWith("-executor"))).toEqual([]);
    // the executor still requests per-task tokens of these, so every action kind must have one
    const accounts = objs
      .filter((o) => o.kind === "ServiceAccount" && o.metadata.name.startsWith("causeway-action-"))
      .map((o) => o.metadata.name)
      .sort();
    expect(accounts).toEqual(REMEDIATION_ACTIONS.map((a) => `causeway-action-${a}`).sort());
  });
});

describe("NetworkPolicies", () => {
  type Peer = {
    podSelector?: { matchLabels: Record<string, string> };
    namespaceSelector?: Json;
    ipBlock?: { cidr: string };
  };
  type EgressRule = { to?: Peer[]; ports?: { protocol: string; port: number }[] };

  it("the agent may reach only the mediator, VictoriaMetrics, the kube API and DNS", async () => {
    const objs = await render("default-values.yaml");
    const np = find(objs, "NetworkPolicy", "-agent").spec as {
      policyTypes: string[];
      egress: EgressRule[];
      podSelector: Json;
    };
    expect(np.policyTypes).toEqual(["Ingress", "Egress"]);
    expect((np.podSelector.matchLabels as Record<string, string>)["app.kubernetes.io/component"]).toBe(
      "agent",
    );
    const summary = np.egress.map((r) => {
      const peers = (r.to ?? []).map((p) =>
        p.ipBlock
          ? `cidr:${p.ipBlock.cidr}`
          : p.namespaceSelector
            ? "dns"
            : `pod:${p.podSelector?.matchLabels["app.kubernetes.io/component"]}`,
      );
      return `${peers.join("+")} ${(r.ports ?? []).map((p) => `${p.protocol}/${p.port}`).join(",")}`;
    });
    expect(summary).toEqual([
      "pod:mediator TCP/50051,TCP/4317,TCP/4318",
      "pod:victoriametrics TCP/8428",
      "dns UDP/53,TCP/53",
      "cidr:0.0.0.0/0 TCP/443,TCP/6443",
    ]);
    for (const r of np.egress)
      expect(r.to?.length, "no egress rule may be open to all peers").toBeGreaterThan(0);
  });

  it("the kube API CIDR and ports are configurable", async () => {
    const objs = await template(
      [],
      ["networkPolicy.kubeAPI.cidrs={10.96.0.1/32}", "networkPolicy.kubeAPI.ports={443}"],
    );
    const np = find(objs, "NetworkPolicy", "-agent").spec as { egress: EgressRule[] };
    const api = np.egress.find((r) => r.to?.some((p) => p.ipBlock));
    expect(api).toEqual({
      to: [{ ipBlock: { cidr: "10.96.0.1/32" } }],
      ports: [{ protocol: "TCP", port: 443 }],
    });
  });

  it("every workload is selected by a NetworkPolicy, VictoriaMetrics admits only the mediator and agents", async () => {
    for (const file of scenarios) {
      const objs = await render(file);
      const selected = new Set(
        objs
          .filter((o) => o.kind === "NetworkPolicy")
          .map(
            (o) =>
              ((o.spec as Json).podSelector as { matchLabels: Record<string, string> }).matchLabels[
                "app.kubernetes.io/component"
              ],
          ),
      );
      for (const w of workloads(objs))
        expect(
          selected.has(w.metadata.labels?.["app.kubernetes.io/component"]),
          `${file}: ${w.metadata.name}`,
        ).toBe(true);
    }
    const vm = find(await render("default-values.yaml"), "NetworkPolicy", "-victoriametrics").spec as {
      ingress: { from: Peer[] }[];
      egress: unknown[];
    };
    expect(vm.ingress[0]?.from.map((p) => p.podSelector?.matchLabels["app.kubernetes.io/component"])).toEqual(
      ["mediator", "agent"],
    );
    expect(vm.egress).toEqual([]);
  });

  it("external VictoriaMetrics drops the StatefulSet and points the mediator at the URL", async () => {
    const objs = await render("external-vm-values.yaml");
    expect(objs.filter((o) => o.kind === "StatefulSet")).toEqual([]);
    const env = container(find(objs, "Deployment", "-mediator")).env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === "CAUSEWAY_VICTORIAMETRICS_URL")?.value).toBe(
      "http://victoria-metrics.monitoring.svc:8428",
    );
    const np = find(objs, "NetworkPolicy", "-agent").spec as {
      egress: { to?: unknown[]; ports?: { port: number }[] }[];
    };
    const vmRule = np.egress.find((r) => r.to === undefined);
    expect(vmRule?.ports).toEqual([{ protocol: "TCP", port: 8428 }]);
    expect(np.egress.filter((r) => r.to === undefined)).toHaveLength(1);
  });
});

describe("mediator, TLS and the rest", () => {
  it("the mediator Service exposes 50051, 4317, 4318 and 8080, with a PVC and a PDB", async () => {
    const objs = await render("default-values.yaml");
    const svc = find(objs, "Service", "-mediator").spec as { ports: { name: string; port: number }[] };
    expect(svc.ports.map((p) => p.port).sort((a, b) => a - b)).toEqual([4317, 4318, 8080, 50051]);
    find(objs, "PersistentVolumeClaim", "-mediator-data");
    find(objs, "PodDisruptionBudget", "-mediator");
    find(objs, "PodDisruptionBudget", "-victoriametrics");
  });

  it("generates a CA-signed TLS secret, or uses the provided one", async () => {
    const gen = find(await render("default-values.yaml"), "Secret", "-tls") as unknown as {
      data: Record<string, string>;
    };
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(Buffer.from(gen.data["tls.crt"] ?? "", "base64"));
    const ca = new X509Certificate(Buffer.from(gen.data["ca.crt"] ?? "", "base64"));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain(`cw-causeway-mediator.${NAMESPACE}.svc`);
    const provided = await render("tls-provided-values.yaml");
    expect(provided.filter((o) => o.kind === "Secret")).toEqual([]);
    const vols = podSpec(find(provided, "Deployment", "-mediator")).volumes as Json[];
    expect(vols.find((v) => v.name === "tls")?.secret).toEqual({ secretName: "causeway-mediator-tls" });
  });

  it("NOTES.txt prints the port-forward commands", async () => {
    const res = await helm(["install", "cw", chartDir, "--dry-run=client", "--namespace", NAMESPACE]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`kubectl -n ${NAMESPACE} port-forward svc/cw-causeway-mediator 8080:8080`);
    expect(res.stdout).toContain("port-forward svc/cw-causeway-victoriametrics 8428:8428");
  });

  it("every value in values.yaml is documented with a # -- comment", async () => {
    const { readFile } = await import("node:fs/promises");
    const lines = (await readFile(join(chartDir, "values.yaml"), "utf8")).split("\n");
    const undocumented: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*)([A-Za-z][\w]*):\s*(.*)$/.exec(lines[i] ?? "");
      if (!m || m[3] === "") continue; // parent object keys introduce sections
      const prev = lines[i - 1] ?? "";
      if (
        !/^\s*# -- /.test(prev) &&
        !/^\s+(requests|limits|cpu|memory):/.test(lines[i] ?? "") &&
        !/^\s*- /.test(prev) &&
        !/^\s+k8s-app:/.test(lines[i] ?? "")
      )
        undocumented.push(lines[i] ?? "");
    }
    expect(undocumented).toEqual([]);
  });
});
