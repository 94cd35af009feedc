import { type KubeObject } from "../kube/kube-client.js";

/** The downward API fields a container's env may reference (`valueFrom.fieldRef`). */
function fieldValue(pod: KubeObject, fieldPath: string): string | undefined {
  const labels = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labels) return pod.metadata?.[labels[1] as string]?.[labels[2] as string];
  switch (fieldPath) {
    case "metadata.name":
      return pod.metadata?.name;
    case "metadata.namespace":
      return pod.metadata?.namespace;
    case "metadata.uid":
      return pod.metadata?.uid;
    case "spec.nodeName":
      return pod.spec?.nodeName;
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "default";
    case "status.podIP":
      return pod.status?.podIP;
    case "status.hostIP":
      return pod.status?.hostIP;
    default:
      return undefined;
  }
}

/** Expands `$(NAME)` with variables defined so far; `$$(NAME)` is a literal `$(NAME)`, as in Kubernetes. */
export function expandVariables(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && defined.has(name) ? (defined.get(name) as string) : match;
  });
}

/**
 * A container's environment as the kubelet builds it: the image's variables, then the spec's `env`
 * in order, with downward API field references and `$(VAR)` expansion. `podIp` is passed
 * separately because the status carrying it may not be written yet.
 */
export function containerEnvironment(
  pod: KubeObject,
  container: KubeObject,
  imageEnv: Readonly<Record<string, string>>,
  podIp: string,
): Record<string, string> {
  const podView = { ...pod, status: { ...(pod.status ?? {}), podIP: podIp } };
  const defined = new Map<string, string>(Object.entries(imageEnv));
  for (const e of (container.env ?? []) as KubeObject[]) {
    if (typeof e.name !== "string") continue;
    let value: string | undefined;
    if (typeof e.value === "string") value = expandVariables(e.value, defined);
    else if (e.valueFrom?.fieldRef?.fieldPath)
      value = fieldValue(podView, String(e.valueFrom.fieldRef.fieldPath));
    defined.set(e.name, value ?? "");
  }
  return Object.fromEntries(defined);
}
