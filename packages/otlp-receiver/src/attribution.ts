import { type AttributeLookup, type Attributes } from "./model.js";

/** A service as the receiver names it: OTLP service.name within a Kubernetes namespace. */
export interface ServiceKey {
  readonly namespace: string;
  readonly name: string;
}

/** Resolves a peer address to the service of the pod that has it, through the topology graph. */
export type PeerResolver = (ip: string, atMs: number) => ServiceKey | undefined;

export const DEFAULT_NAMESPACE = "default";

function str(attrs: AttributeLookup, key: string): string | undefined {
  const v = attrs.get(key);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The service a resource belongs to: service.name with k8s.namespace.name (or service.namespace);
 * when the SDK did not name it (unknown_service…), the workload behind the sender's address.
 */
export function attributeResource(
  resource: Attributes,
  peerIp: string | undefined,
  resolvePeer: PeerResolver | undefined,
  atMs: number,
): ServiceKey {
  const namespace = str(resource, "k8s.namespace.name") ?? str(resource, "service.namespace");
  const name = str(resource, "service.name");
  if (name && !name.startsWith("unknown_service")) return { namespace: namespace ?? DEFAULT_NAMESPACE, name };
  const workload =
    str(resource, "k8s.deployment.name") ??
    str(resource, "k8s.statefulset.name") ??
    str(resource, "k8s.daemonset.name") ??
    str(resource, "k8s.job.name");
  if (workload) return { namespace: namespace ?? DEFAULT_NAMESPACE, name: workload };
  const resolved = peerIp && resolvePeer ? resolvePeer(peerIp, atMs) : undefined;
  if (resolved) return resolved;
  return { namespace: namespace ?? DEFAULT_NAMESPACE, name: name ?? "unknown_service" };
}

/** The callee a client span names through peer.service or server address attributes. */
export function calleeOf(span: AttributeLookup): { service?: string; address?: string } {
  const peerService = str(span, "peer.service");
  if (peerService) return { service: peerService };
  const host = str(span, "server.address") ?? str(span, "net.peer.name") ?? str(span, "net.peer.ip");
  if (!host) return {};
  const port = span.get("server.port") ?? span.get("net.peer.port");
  return { address: port !== undefined ? `${host}:${String(port)}` : host };
}
