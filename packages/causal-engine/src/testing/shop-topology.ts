import { entityId } from "@causeway/protocol";
import { type EngineEntity, type EngineRelation } from "../topology-graph.js";

/**
 * A small hand-built shop for tests: two nodes; a frontend calling checkout, which calls payments
 * and an external payment provider; checkout has 2 replicas (app + proxy containers) behind a
 * Service, a second, older ReplicaSet and an HPA.
 */
export function shopTopology(): { entities: EngineEntity[]; relations: EngineRelation[] } {
  const entities: EngineEntity[] = [];
  const relations: EngineRelation[] = [];
  const e = (
    id: string,
    kind: string,
    name: string,
    namespace: string,
    attributes: Record<string, string> = {},
  ) => entities.push({ id, kind, name, namespace, attributes });
  const r = (fromId: string, toId: string, type: string) => relations.push({ fromId, toId, type });
  for (const n of ["node-a", "node-b"]) e(entityId.node(n), "node", n, "");
  const svc = (name: string, replicas: number, opts: { hpa?: boolean; oldRevision?: boolean } = {}) => {
    const dep = entityId.workload("deployment", "shop", name);
    e(dep, "deployment", name, "shop", { replicas: String(replicas) });
    const rs = entityId.workload("replicaset", "shop", `${name}-7d9f8`);
    e(rs, "replicaset", `${name}-7d9f8`, "shop", { revision: "4" });
    r(rs, dep, "member-of");
    if (opts.oldRevision) {
      const old = entityId.workload("replicaset", "shop", `${name}-5c4b3`);
      e(old, "replicaset", `${name}-5c4b3`, "shop", { revision: "3" });
      r(old, dep, "member-of");
    }
    if (opts.hpa) {
      e(`hpa/shop/${name}`, "hpa", name, "shop", {
        max_replicas: String(replicas),
        current_replicas: String(replicas),
      });
      r(`hpa/shop/${name}`, dep, "scales");
    }
    const s = entityId.service("shop", name);
    e(s, "service", name, "shop");
    for (let i = 0; i < replicas; i++) {
      const podName = `${name}-7d9f8-${"abcdefgh"[i]}x${i}`;
      const pod = entityId.pod("shop", podName);
      e(pod, "pod", podName, "shop", { node_name: i % 2 === 0 ? "node-a" : "node-b", phase: "Running" });
      r(pod, entityId.node(i % 2 === 0 ? "node-a" : "node-b"), "runs-on");
      r(pod, rs, "member-of");
      r(s, pod, "selects");
      const app = entityId.container("shop", podName, "app");
      e(app, "container", "app", "shop", {
        memory_limit_bytes: String(256 * 1024 * 1024),
        cpu_limit_millicores: "500",
        cpu_request_millicores: "250",
      });
      r(app, pod, "part-of");
      const proxy = entityId.container("shop", podName, "proxy");
      e(proxy, "container", "proxy", "shop", { memory_limit_bytes: String(64 * 1024 * 1024) });
      r(proxy, pod, "part-of");
    }
    return s;
  };
  const frontend = svc("frontend", 2);
  const checkout = svc("checkout", 2, { hpa: true, oldRevision: true });
  const payments = svc("payments", 2);
  const stripe = entityId.external("api.stripe.com", 443);
  e(stripe, "external", "api.stripe.com:443", "");
  r(frontend, checkout, "calls");
  r(checkout, payments, "calls");
  r(checkout, stripe, "calls");
  return { entities, relations };
}

export const SHOP = {
  checkoutApp: entityId.container("shop", "checkout-7d9f8-ax0", "app"),
  checkoutProxy: entityId.container("shop", "checkout-7d9f8-ax0", "proxy"),
  checkoutPod: entityId.pod("shop", "checkout-7d9f8-ax0"),
  checkoutPod2: entityId.pod("shop", "checkout-7d9f8-bx1"),
  checkoutDeployment: entityId.workload("deployment", "shop", "checkout"),
  checkoutService: entityId.service("shop", "checkout"),
  frontendService: entityId.service("shop", "frontend"),
  paymentsService: entityId.service("shop", "payments"),
  paymentsApp: entityId.container("shop", "payments-7d9f8-ax0", "app"),
  stripe: entityId.external("api.stripe.com", 443),
  nodeA: entityId.node("node-a"),
  nodeB: entityId.node("node-b"),
  checkoutHpa: "hpa/shop/checkout",
} as const;
