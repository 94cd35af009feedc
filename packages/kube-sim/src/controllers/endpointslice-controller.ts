import { randomSuffix, type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { labelSelectorMatcher } from "../selectors.js";
import { type KubeObject, parseEntry } from "../store.js";
import { controllerRef, isPodReady } from "./pod-template.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/** Endpoints per slice, as the real controller's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

const MANAGED_BY = "endpointslice-controller.k8s.io";

/** The endpoint-slice port of a service port: named target ports resolve against the pod. */
function targetPort(port: Any, pod: Any | undefined): number | undefined {
  const t = port.targetPort ?? port.port;
  if (typeof t === "number") return t;
  for (const c of pod?.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === t) return p.containerPort as number;
  return undefined;
}

/** The EndpointSlices a Service with a selector should have, from its pods with IPs. */
export function desiredEndpoints(
  server: KubeApiServer,
  svc: KubeObject & Any,
): { endpoints: Any[]; ports: Any[] } {
  const namespace = svc.metadata.namespace as string;
  const matches = labelSelectorMatcher({ matchLabels: svc.spec?.selector ?? {} });
  const pods: Any[] = [];
  for (const e of server.store.entries(TYPES.pods, { namespace })) {
    if (!matches(e.labels)) continue;
    const p = parseEntry(e) as Any;
    if (!p.status?.podIP || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
    pods.push(p);
  }
  const endpoints = pods.map((p) => {
    const ready = isPodReady(p as KubeObject) && !p.metadata.deletionTimestamp;
    return {
      addresses: [p.status.podIP],
      conditions: {
        ready,
        serving: isPodReady(p as KubeObject),
        terminating: Boolean(p.metadata.deletionTimestamp),
      },
      ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
      targetRef: { kind: "Pod", namespace, name: p.metadata.name, uid: p.metadata.uid },
    };
  });
  const ports = ((svc.spec?.ports ?? []) as Any[]).map((sp) => ({
    name: sp.name ?? "",
    port: targetPort(sp, pods[0]) ?? null,
    protocol: sp.protocol ?? "TCP",
    ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
  }));
  return { endpoints, ports };
}

/** Service → EndpointSlices: ready and serving pod addresses, at most 100 per slice. */
export function reconcileService(server: KubeApiServer, namespace: string, name: string): void {
  const svc = server.store.get(TYPES.services, namespace, name) as (KubeObject & Any) | undefined;
  if (!svc || !svc.spec?.selector || svc.spec?.type === "ExternalName") return;
  const { endpoints, ports } = desiredEndpoints(server, svc);
  const existing = server.store
    .dependentEntries(svc.metadata.uid, TYPES.endpointSlices)
    .map((e) => parseEntry(e) as KubeObject & Any)
    .filter((s) => s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === MANAGED_BY)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const chunks: Any[][] = [];
  for (let i = 0; i < endpoints.length; i += MAX_ENDPOINTS_PER_SLICE)
    chunks.push(endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE));
  if (chunks.length === 0) chunks.push([]);
  const labels = {
    ...(svc.metadata.labels ?? {}),
    "kubernetes.io/service-name": name,
    "endpointslice.kubernetes.io/managed-by": MANAGED_BY,
  };
  chunks.forEach((chunk, i) => {
    const current = existing[i];
    const body = { addressType: "IPv4", endpoints: chunk, ports };
    if (current) {
      server.write(TYPES.endpointSlices, { ...current, ...body, metadata: { ...current.metadata, labels } });
    } else {
      server.create(
        TYPES.endpointSlices,
        {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: {
            name: `${name}-${randomSuffix()}`,
            namespace,
            labels,
            ownerReferences: [controllerRef(svc)],
          },
          ...body,
        },
        namespace,
      );
    }
  });
  for (const extra of existing.slice(chunks.length))
    server.remove(TYPES.endpointSlices, namespace, extra.metadata.name);
}
