import { entityId } from "@causeway/protocol";
import { type EngineEntity, type EngineRelation } from "../topology-graph.js";
import { Rng } from "./rng.js";

/** Shape of a generated microservice topology. Every default scales with `services`. */
export interface TopologyOptions {
  /** Microservices: each a Deployment (or StatefulSet) with a Service. */
  readonly services: number;
  readonly seed: number;
  /** Aim for about this many pods in total (sets the mean replica count); default 3 per service. */
  readonly pods?: number;
  /** Default: one node per 30 pods, at least 3. */
  readonly nodes?: number;
  /** External dependencies (half as `external` entities, half as Services marked external). */
  readonly externals?: number;
  /** Share of Deployments with a HorizontalPodAutoscaler. */
  readonly hpaShare?: number;
  /** Share of workloads that are StatefulSets. */
  readonly statefulShare?: number;
  /** Share of pods with a sidecar container. */
  readonly sidecarShare?: number;
  /** Share of call edges seen only from the caller's pods (agent TCP) rather than from traces. */
  readonly podCallShare?: number;
}

export interface GeneratedTopology {
  readonly entities: EngineEntity[];
  readonly relations: EngineRelation[];
  readonly counts: Readonly<Record<string, number>>;
}

const WORDS = [
  "cart",
  "checkout",
  "payment",
  "catalog",
  "search",
  "auth",
  "user",
  "order",
  "shipping",
  "inventory",
  "pricing",
  "review",
  "recommend",
  "email",
  "notify",
  "ledger",
  "invoice",
  "report",
  "session",
  "media",
  "gateway",
  "profile",
  "ads",
  "quote",
  "currency",
  "fraud",
  "loyalty",
  "tax",
  "geo",
  "audit",
];
const NAMESPACES = ["shop", "payments", "platform", "data", "identity", "growth", "ops", "media"];
const EXTERNAL_HOSTS = [
  "api.stripe.com",
  "smtp.sendgrid.net",
  "s3.amazonaws.com",
  "maps.googleapis.com",
  "auth0.com",
];
const MIB = 1024 * 1024;
const MEMORY_LIMITS_MIB = [128, 256, 256, 512, 512, 512, 1024, 1024, 2048];
const CPU_LIMITS_MILLICORES = [250, 500, 500, 1000, 1000, 2000];

/**
 * Generates a realistic microservice topology: nodes, namespaces' Deployments (ReplicaSets with
 * revisions, an older empty ReplicaSet for some) and StatefulSets, pods with an app container
 * and sometimes a sidecar, Services selecting them, HPAs, a layered call graph (frontends call
 * middle tiers, which call backends and external dependencies). Deterministic for a seed.
 */
export function generateTopology(options: TopologyOptions): GeneratedTopology {
  const rng = new Rng(options.seed);
  const services = Math.max(1, options.services);
  const targetPods = options.pods ?? services * 3;
  const meanReplicas = Math.max(1, targetPods / services);
  const nodeCount = options.nodes ?? Math.max(3, Math.ceil(targetPods / 30));
  const externalCount = options.externals ?? Math.max(1, Math.ceil(services / 20));
  const hpaShare = options.hpaShare ?? 0.3;
  const statefulShare = options.statefulShare ?? 0.1;
  const sidecarShare = options.sidecarShare ?? 0.4;
  const podCallShare = options.podCallShare ?? 0.2;
  const entities: EngineEntity[] = [];
  const relations: EngineRelation[] = [];
  const counts: Record<string, number> = {};
  const push = (e: EngineEntity): void => {
    entities.push(e);
    counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  };
  const relate = (fromId: string, toId: string, type: string): void => {
    relations.push({ fromId, toId, type });
  };

  const nodes: string[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = `node-${String(i).padStart(4, "0")}`;
    const id = entityId.node(name);
    nodes.push(id);
    push({ id, kind: "node", name, namespace: "", attributes: { allocatable_cpu_millicores: "8000" } });
  }

  const nsCount = Math.min(NAMESPACES.length, Math.max(1, Math.ceil(services / 25)));
  const namespaces = NAMESPACES.slice(0, nsCount);
  // Tiers: 0 = frontends ... 3 = data stores; calls only go to deeper tiers.
  const tierOf = (i: number): number => {
    const f = i / services;
    return f < 0.1 ? 0 : f < 0.45 ? 1 : f < 0.8 ? 2 : 3;
  };
  interface Svc {
    readonly id: string;
    readonly tier: number;
    readonly pods: string[];
  }
  const svcs: Svc[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; i < services; i++) {
    const tier = tierOf(i);
    const namespace = namespaces[i % namespaces.length] as string;
    let name = `${WORDS[i % WORDS.length]}${i >= WORDS.length ? `-${Math.floor(i / WORDS.length)}` : ""}`;
    if (tier === 3) name = `${name}-db`;
    while (usedNames.has(`${namespace}/${name}`)) name = `${name}-x`;
    usedNames.add(`${namespace}/${name}`);
    const stateful = tier === 3 && rng.chance(statefulShare * 4);
    // Replica counts are skewed: most services are small, a few are large.
    const replicas = Math.max(1, Math.round(1 + -Math.log(1 - rng.next()) * (meanReplicas - 1)));
    const serviceId = entityId.service(namespace, name);
    push({ id: serviceId, kind: "service", name, namespace, attributes: {} });
    const pods: string[] = [];
    let owner: string;
    let podPrefix: string;
    if (stateful) {
      owner = entityId.workload("statefulset", namespace, name);
      push({ id: owner, kind: "statefulset", name, namespace, attributes: { replicas: String(replicas) } });
      podPrefix = name;
    } else {
      owner = entityId.workload("deployment", namespace, name);
      push({ id: owner, kind: "deployment", name, namespace, attributes: { replicas: String(replicas) } });
      const revision = 1 + rng.int(6);
      const hash = rng.suffix(9);
      const rs = entityId.workload("replicaset", namespace, `${name}-${hash}`);
      push({
        id: rs,
        kind: "replicaset",
        name: `${name}-${hash}`,
        namespace,
        attributes: { revision: String(revision) },
      });
      relate(rs, owner, "member-of");
      if (revision > 1 && rng.chance(0.6)) {
        const oldHash = rng.suffix(9);
        const old = entityId.workload("replicaset", namespace, `${name}-${oldHash}`);
        push({
          id: old,
          kind: "replicaset",
          name: `${name}-${oldHash}`,
          namespace,
          attributes: { revision: String(revision - 1) },
        });
        relate(old, owner, "member-of");
      }
      podPrefix = `${name}-${hash}`;
      owner = rs;
      if (rng.chance(hpaShare)) {
        const hpa = `hpa/${namespace}/${name}`;
        push({
          id: hpa,
          kind: "hpa",
          name,
          namespace,
          attributes: { max_replicas: String(replicas), current_replicas: String(replicas) },
        });
        relate(hpa, entityId.workload("deployment", namespace, name), "scales");
      }
    }
    const memoryLimit = rng.pick(MEMORY_LIMITS_MIB) * MIB;
    const cpuLimit = rng.chance(0.8) ? rng.pick(CPU_LIMITS_MILLICORES) : 0;
    const sidecar = rng.chance(sidecarShare);
    for (let r = 0; r < replicas; r++) {
      const podName = stateful ? `${podPrefix}-${r}` : `${podPrefix}-${rng.suffix(5)}`;
      const pod = entityId.pod(namespace, podName);
      const node = rng.pick(nodes);
      push({
        id: pod,
        kind: "pod",
        name: podName,
        namespace,
        attributes: {
          node_name: node.slice("node/".length),
          phase: "Running",
          pod_ip: `10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`,
        },
      });
      relate(pod, node, "runs-on");
      relate(pod, owner, "member-of");
      relate(serviceId, pod, "selects");
      pods.push(pod);
      const containers: [string, Record<string, string>][] = [
        [
          "app",
          {
            image: `registry.example.com/${name}:1.${rng.int(20)}.0`,
            memory_limit_bytes: String(memoryLimit),
            memory_request_bytes: String(memoryLimit / 2),
            ...(cpuLimit > 0 ? { cpu_limit_millicores: String(cpuLimit) } : {}),
            cpu_request_millicores: String(Math.max(50, Math.round((cpuLimit || 500) / 4))),
          },
        ],
      ];
      if (sidecar)
        containers.push([
          "proxy",
          {
            image: "registry.example.com/proxy:2.1.0",
            memory_limit_bytes: String(128 * MIB),
            cpu_limit_millicores: "200",
            cpu_request_millicores: "50",
          },
        ]);
      for (const [cname, attributes] of containers) {
        const container = entityId.container(namespace, podName, cname);
        push({ id: container, kind: "container", name: cname, namespace, attributes });
        relate(container, pod, "part-of");
      }
    }
    svcs.push({ id: serviceId, tier, pods });
  }

  const externals: string[] = [];
  for (let i = 0; i < externalCount; i++) {
    const host = `${i >= EXTERNAL_HOSTS.length ? `r${Math.floor(i / EXTERNAL_HOSTS.length)}.` : ""}${EXTERNAL_HOSTS[i % EXTERNAL_HOSTS.length]}`;
    if (i % 2 === 0) {
      const id = entityId.external(host, 443);
      push({ id, kind: "external", name: `${host}:443`, namespace: "", attributes: {} });
      externals.push(id);
    } else {
      const name = host.replace(/\./g, "-");
      const id = entityId.service("external", name);
      push({ id, kind: "service", name, namespace: "external", attributes: { external: "true" } });
      externals.push(id);
    }
  }

  const byTier = [0, 1, 2, 3].map((t) => svcs.filter((s) => s.tier === t));
  const call = (from: Svc, to: string): void => {
    if (rng.chance(podCallShare)) for (const pod of from.pods) relate(pod, to, "calls");
    else relate(from.id, to, "calls");
  };
  for (const s of svcs) {
    if (s.tier === 3) {
      if (rng.chance(0.15) && externals.length > 0) call(s, rng.pick(externals));
      continue;
    }
    const deeper = byTier.slice(s.tier + 1).flat();
    const next = byTier[s.tier + 1] ?? [];
    const fanOut = 1 + rng.int(4);
    const callees = new Set<string>();
    for (let k = 0; k < fanOut && deeper.length > 0; k++) {
      const pool = next.length > 0 && rng.chance(0.7) ? next : deeper;
      callees.add(rng.pick(pool).id);
    }
    if (s.tier >= 1 && externals.length > 0 && rng.chance(0.25)) callees.add(rng.pick(externals));
    for (const c of [...callees].sort()) call(s, c);
  }
  return { entities, relations, counts };
}
