// A synthetic cluster shaped like a real one, as an agent would report it: nodes; per namespace,
// deployments with a replica set, pods (runs-on a node), two containers per pod and a process per
// container; a service per deployment selecting its pods and calling the next service. Stops at
// exactly `entities` entities. Deterministic.
import { type Entity, type Relation } from "@causeway/protocol";

export interface SyntheticTopology {
  readonly entities: Entity[];
  readonly relations: Relation[];
}

const NODES = 50;
const DEPLOYMENTS_PER_NAMESPACE = 20;
const PODS_PER_DEPLOYMENT = 3;
const CONTAINERS = ["app", "sidecar"] as const;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

export function syntheticTopology(entities: number): SyntheticTopology {
  const out: Entity[] = [];
  const relations: Relation[] = [];
  const add = (e: Omit<Entity, "attributes"> & { attributes?: Record<string, string> }): boolean => {
    if (out.length >= entities) return false;
    out.push({ attributes: {}, ...e });
    return true;
  };
  const rel = (fromId: string, toId: string, type: string) =>
    relations.push({ fromId, toId, type, attributes: {} });
  for (let n = 0; n < NODES; n++)
    add({
      id: `node/node-${pad(n, 2)}`,
      kind: "node",
      name: `node-${pad(n, 2)}`,
      namespace: "",
      attributes: { kernel: "6.1" },
    });
  let d = 0;
  for (let ns = 0; out.length < entities; ns++) {
    const namespace = ns === 0 ? "shop" : `team-${pad(ns, 2)}`;
    for (let k = 0; k < DEPLOYMENTS_PER_NAMESPACE && out.length < entities; k++, d++) {
      const app = ns === 0 && k === 0 ? "checkout" : ns === 0 && k === 1 ? "cart" : `svc-${pad(k, 2)}`;
      const deployment = `deployment/${namespace}/${app}`;
      const rs = `replicaset/${namespace}/${app}-7d9f8`;
      const service = `service/${namespace}/${app}`;
      add({
        id: deployment,
        kind: "deployment",
        name: app,
        namespace,
        attributes: { replicas: String(PODS_PER_DEPLOYMENT) },
      });
      add({ id: service, kind: "service", name: app, namespace });
      if (add({ id: rs, kind: "replicaset", name: `${app}-7d9f8`, namespace }))
        rel(rs, deployment, "member-of");
      if (k > 0)
        rel(`service/${namespace}/${k === 1 ? "checkout" : `svc-${pad(k - 1, 2)}`}`, service, "calls");
      for (let p = 0; p < PODS_PER_DEPLOYMENT; p++) {
        const podName = `${app}-7d9f8-${pad(p, 5)}`;
        const pod = `pod/${namespace}/${podName}`;
        const node = `node/node-${pad((d * PODS_PER_DEPLOYMENT + p) % NODES, 2)}`;
        if (!add({ id: pod, kind: "pod", name: podName, namespace, attributes: { phase: "Running" } })) break;
        rel(pod, rs, "member-of");
        rel(pod, node, "runs-on");
        rel(service, pod, "selects");
        for (const c of CONTAINERS) {
          const container = `container/${namespace}/${podName}/${c}`;
          if (
            !add({ id: container, kind: "container", name: c, namespace, attributes: { image: `${app}:1` } })
          )
            break;
          rel(container, pod, "part-of");
          const pid = 1000 + d * 10 + p * 2 + (c === "app" ? 0 : 1);
          const process = `process/${node.slice(5)}/${pid}/1`;
          if (!add({ id: process, kind: "process", name: c === "app" ? "java" : "envoy", namespace: "" }))
            break;
          rel(process, container, "runs-on");
        }
      }
    }
  }
  const ids = new Set(out.map((e) => e.id));
  return { entities: out, relations: relations.filter((r) => ids.has(r.fromId) && ids.has(r.toId)) };
}
