import { type ResourceType } from "./resources.js";
import { formatSelector, type LabelSelectorSpec } from "./selectors.js";
import { type KubeObject } from "./store.js";

/** Whether the client asked for a meta.k8s.io Table (kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "").includes("as=Table");
}

interface Column {
  readonly name: string;
  readonly type: "string" | "integer" | "date";
  readonly priority?: number;
  readonly format?: string;
  readonly cell: (o: KubeObject, now: number) => string | number;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/** A duration as kubectl shows ages: 45s, 12m, 3h, 2d, 400d. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ""}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ""}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365 ? `${d % 365}d` : ""}`;
}

const name: Column = { name: "Name", type: "string", format: "name", cell: (o) => o.metadata.name };
const age: Column = {
  name: "Age",
  type: "string",
  cell: (o, now) => humanDuration(now - Date.parse(o.metadata.creationTimestamp)),
};

function podStatus(o: Any): string {
  const status = o.status ?? {};
  if (o.metadata?.deletionTimestamp) return "Terminating";
  let reason: string = status.reason ?? status.phase ?? "Pending";
  for (const c of status.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  return reason;
}

function restarts(o: Any, now: number): string {
  let count = 0;
  let last: number | undefined;
  for (const c of o.status?.containerStatuses ?? []) {
    count += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) last = Math.max(last ?? 0, Date.parse(finished));
  }
  return last !== undefined && count > 0 ? `${count} (${humanDuration(now - last)} ago)` : String(count);
}

const COLUMNS: Readonly<Record<string, Column[]>> = {
  "/pods": [
    name,
    {
      name: "Ready",
      type: "string",
      cell: (o: Any) => {
        const cs = o.status?.containerStatuses ?? [];
        return `${cs.filter((c: Any) => c.ready).length}/${(o.spec?.containers ?? []).length}`;
      },
    },
    { name: "Status", type: "string", cell: (o) => podStatus(o) },
    { name: "Restarts", type: "string", cell: (o, now) => restarts(o, now) },
    age,
    { name: "IP", type: "string", priority: 1, cell: (o: Any) => o.status?.podIP ?? "<none>" },
    { name: "Node", type: "string", priority: 1, cell: (o: Any) => o.spec?.nodeName ?? "<none>" },
    { name: "Nominated Node", type: "string", priority: 1, cell: () => "<none>" },
    { name: "Readiness Gates", type: "string", priority: 1, cell: () => "<none>" },
  ],
  "/nodes": [
    name,
    {
      name: "Status",
      type: "string",
      cell: (o: Any) => {
        const ready = (o.status?.conditions ?? []).find((c: Any) => c.type === "Ready");
        const s = ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown";
        return o.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
      },
    },
    {
      name: "Roles",
      type: "string",
      cell: (o) =>
        Object.keys(o.metadata.labels ?? {})
          .filter((k) => k.startsWith("node-role.kubernetes.io/"))
          .map((k) => k.slice("node-role.kubernetes.io/".length))
          .join(",") || "<none>",
    },
    age,
    { name: "Version", type: "string", cell: (o: Any) => o.status?.nodeInfo?.kubeletVersion ?? "" },
    {
      name: "Internal-IP",
      type: "string",
      priority: 1,
      cell: (o: Any) =>
        (o.status?.addresses ?? []).find((a: Any) => a.type === "InternalIP")?.address ?? "<none>",
    },
  ],
  "/namespaces": [
    name,
    { name: "Status", type: "string", cell: (o: Any) => o.status?.phase ?? "Active" },
    age,
  ],
  "/services": [
    name,
    { name: "Type", type: "string", cell: (o: Any) => o.spec?.type ?? "ClusterIP" },
    { name: "Cluster-IP", type: "string", cell: (o: Any) => o.spec?.clusterIP ?? "<none>" },
    { name: "External-IP", type: "string", cell: () => "<none>" },
    {
      name: "Port(s)",
      type: "string",
      cell: (o: Any) =>
        (o.spec?.ports ?? [])
          .map((p: Any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`)
          .join(",") || "<none>",
    },
    age,
    {
      name: "Selector",
      type: "string",
      priority: 1,
      cell: (o: Any) => formatSelector({ matchLabels: o.spec?.selector }) || "<none>",
    },
  ],
  "apps/deployments": [
    name,
    {
      name: "Ready",
      type: "string",
      cell: (o: Any) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
    },
    { name: "Up-to-date", type: "integer", cell: (o: Any) => o.status?.updatedReplicas ?? 0 },
    { name: "Available", type: "integer", cell: (o: Any) => o.status?.availableReplicas ?? 0 },
    age,
    {
      name: "Containers",
      type: "string",
      priority: 1,
      cell: (o: Any) => (o.spec?.template?.spec?.containers ?? []).map((c: Any) => c.name).join(","),
    },
    {
      name: "Images",
      type: "string",
      priority: 1,
      cell: (o: Any) => (o.spec?.template?.spec?.containers ?? []).map((c: Any) => c.image).join(","),
    },
    {
      name: "Selector",
      type: "string",
      priority: 1,
      cell: (o: Any) => formatSelector(o.spec?.selector as LabelSelectorSpec),
    },
  ],
  "apps/replicasets": [
    name,
    { name: "Desired", type: "integer", cell: (o: Any) => o.spec?.replicas ?? 0 },
    { name: "Current", type: "integer", cell: (o: Any) => o.status?.replicas ?? 0 },
    { name: "Ready", type: "integer", cell: (o: Any) => o.status?.readyReplicas ?? 0 },
    age,
  ],
  "apps/statefulsets": [
    name,
    {
      name: "Ready",
      type: "string",
      cell: (o: Any) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
    },
    age,
  ],
  "apps/daemonsets": [
    name,
    { name: "Desired", type: "integer", cell: (o: Any) => o.status?.desiredNumberScheduled ?? 0 },
    { name: "Current", type: "integer", cell: (o: Any) => o.status?.currentNumberScheduled ?? 0 },
    { name: "Ready", type: "integer", cell: (o: Any) => o.status?.numberReady ?? 0 },
    { name: "Up-to-date", type: "integer", cell: (o: Any) => o.status?.updatedNumberScheduled ?? 0 },
    { name: "Available", type: "integer", cell: (o: Any) => o.status?.numberAvailable ?? 0 },
    {
      name: "Node Selector",
      type: "string",
      cell: (o: Any) => formatSelector({ matchLabels: o.spec?.template?.spec?.nodeSelector }) || "<none>",
    },
    age,
  ],
  "batch/jobs": [
    name,
    {
      name: "Status",
      type: "string",
      cell: (o: Any) => {
        const conds: Any[] = o.status?.conditions ?? [];
        if (conds.some((c) => c.type === "Complete" && c.status === "True")) return "Complete";
        if (conds.some((c) => c.type === "Failed" && c.status === "True")) return "Failed";
        return "Running";
      },
    },
    {
      name: "Completions",
      type: "string",
      cell: (o: Any) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
    },
    age,
  ],
  "/events": [
    {
      name: "Last Seen",
      type: "string",
      cell: (o: Any, now) => humanDuration(now - Date.parse(o.lastTimestamp ?? o.metadata.creationTimestamp)),
    },
    { name: "Type", type: "string", cell: (o: Any) => o.type ?? "" },
    { name: "Reason", type: "string", cell: (o: Any) => o.reason ?? "" },
    {
      name: "Object",
      type: "string",
      cell: (o: Any) =>
        `${String(o.involvedObject?.kind ?? "").toLowerCase()}/${o.involvedObject?.name ?? ""}`,
    },
    { name: "Message", type: "string", cell: (o: Any) => o.message ?? "" },
  ],
  "/configmaps": [
    name,
    {
      name: "Data",
      type: "integer",
      cell: (o: Any) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
    },
    age,
  ],
  "/secrets": [
    name,
    { name: "Type", type: "string", cell: (o: Any) => o.type ?? "Opaque" },
    { name: "Data", type: "integer", cell: (o: Any) => Object.keys(o.data ?? {}).length },
    age,
  ],
  "discovery.k8s.io/endpointslices": [
    name,
    { name: "AddressType", type: "string", cell: (o: Any) => o.addressType ?? "" },
    {
      name: "Ports",
      type: "string",
      cell: (o: Any) => (o.ports ?? []).map((p: Any) => p.port).join(",") || "<unset>",
    },
    {
      name: "Endpoints",
      type: "string",
      cell: (o: Any) =>
        (o.endpoints ?? [])
          .flatMap((e: Any) => e.addresses ?? [])
          .slice(0, 3)
          .join(",") || "<unset>",
    },
    age,
  ],
};

/** Converts objects into a meta.k8s.io/v1 Table with the columns the real API server prints. */
export function toTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  listMeta: Record<string, string> | undefined,
  now: number,
  url: URL,
): Record<string, unknown> {
  const columns = COLUMNS[`${type.group}/${type.resource}`] ?? [name, age];
  const includeObject = url.searchParams.get("includeObject") ?? "Metadata";
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta ?? { resourceVersion: objects[0]?.metadata.resourceVersion ?? "" },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: "",
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object:
        includeObject === "None"
          ? undefined
          : includeObject === "Object"
            ? o
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}
