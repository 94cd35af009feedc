/**
 * Kubernetes objects reduced to the fields the mediator uses. Informer caches hold these, never
 * whole objects: at 150,000 pods the difference is gigabytes.
 */

export interface SlimOwner {
  readonly kind: string;
  readonly name: string;
}

export interface SlimMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid: string;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly ownerReferences?: readonly SlimOwner[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface SlimObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: SlimMeta;
}

export interface SlimCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

export interface SlimContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly limits?: Readonly<Record<string, string>>;
  readonly requests?: Readonly<Record<string, string>>;
}

export interface SlimContainerStatus {
  readonly name: string;
  readonly restartCount: number;
  readonly ready: boolean;
  readonly waitingReason?: string;
  readonly terminatedReason?: string;
  readonly lastTerminatedReason?: string;
  readonly lastTerminatedAt?: string;
}

export interface SlimPod extends SlimObject {
  readonly nodeName?: string;
  readonly containers: readonly SlimContainerSpec[];
  readonly phase?: string;
  readonly podIP?: string;
  readonly qosClass?: string;
  readonly conditions: readonly SlimCondition[];
  readonly containerStatuses: readonly SlimContainerStatus[];
}

export interface SlimNode extends SlimObject {
  readonly unschedulable: boolean;
  readonly conditions: readonly SlimCondition[];
  readonly internalIP?: string;
  readonly capacity: Readonly<Record<string, string>>;
  readonly kubeletVersion?: string;
}

export interface SlimService extends SlimObject {
  readonly clusterIPs: readonly string[];
  readonly type?: string;
}

export interface SlimEndpointSlice extends SlimObject {
  readonly serviceName?: string;
  readonly endpoints: readonly {
    readonly addresses: readonly string[];
    readonly ready: boolean;
    readonly targetRef?: { readonly kind: string; readonly name: string; readonly namespace?: string };
  }[];
}

/** Deployments, replica sets, stateful sets, daemon sets, jobs and cron jobs. */
export interface SlimWorkload extends SlimObject {
  /** Desired replicas (spec.replicas), or the daemon set's desired number scheduled. */
  readonly replicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly unavailableReplicas?: number;
  readonly updatedReplicas?: number;
  readonly active?: number;
  readonly succeeded?: number;
  readonly failed?: number;
  readonly schedule?: string;
  readonly suspend?: boolean;
}

export interface SlimHpa extends SlimObject {
  readonly targetKind: string;
  readonly targetName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
}

export interface SlimEvent extends SlimObject {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly involvedKind: string;
  readonly involvedName: string;
  readonly involvedNamespace?: string;
  readonly lastUnixMs: number;
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {};
}
function arr(v: unknown): Raw[] {
  return Array.isArray(v) ? (v as unknown[]).map(obj) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
function strMap(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, x] of Object.entries(o)) {
    if (typeof x === "string") out[k] = x;
    else if (typeof x === "number") out[k] = String(x);
    else continue;
    any = true;
  }
  return any ? out : undefined;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Labels and annotations the mediator reads; everything else is dropped. */
const KEPT_LABELS = ["kubernetes.io/service-name"];
const KEPT_ANNOTATIONS = ["deployment.kubernetes.io/revision"];

function pick(map: unknown, keys: readonly string[]): Record<string, string> | undefined {
  const m = obj(map);
  let out: Record<string, string> | undefined;
  for (const k of keys) {
    const v = m[k];
    if (typeof v === "string") (out ??= {})[k] = v;
  }
  return out;
}

export function slimMeta(raw: unknown): SlimMeta {
  const m = obj(raw);
  const owners = arr(m.ownerReferences).map((o) => ({
    kind: String(o.kind ?? ""),
    name: String(o.name ?? ""),
  }));
  return {
    name: String(m.name ?? ""),
    uid: String(m.uid ?? ""),
    ...opt("namespace", str(m.namespace)),
    ...opt("resourceVersion", str(m.resourceVersion)),
    ...opt("creationTimestamp", str(m.creationTimestamp)),
    ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    ...opt("labels", pick(m.labels, KEPT_LABELS)),
    ...opt("annotations", pick(m.annotations, KEPT_ANNOTATIONS)),
  };
}

function conditions(v: unknown): SlimCondition[] {
  return arr(v).map((c) => ({
    type: String(c.type ?? ""),
    status: String(c.status ?? ""),
    ...opt("reason", str(c.reason)),
  }));
}

export function slimPod(raw: unknown): SlimPod {
  const o = obj(raw);
  const spec = obj(o.spec);
  const status = obj(o.status);
  return {
    metadata: slimMeta(o.metadata),
    ...opt("nodeName", str(spec.nodeName)),
    containers: arr(spec.containers).map((c) => {
      const resources = obj(c.resources);
      return {
        name: String(c.name ?? ""),
        image: String(c.image ?? ""),
        ...opt("limits", strMap(resources.limits)),
        ...opt("requests", strMap(resources.requests)),
      };
    }),
    ...opt("phase", str(status.phase)),
    ...opt("podIP", str(status.podIP)),
    ...opt("qosClass", str(status.qosClass)),
    // Only scheduling is read from a pod's conditions.
    conditions: conditions(status.conditions).filter((c) => c.type === "PodScheduled" && c.status !== "True"),
    containerStatuses: arr(status.containerStatuses).map((c) => {
      const state = obj(c.state);
      const last = obj(obj(c.lastState).terminated);
      return {
        name: String(c.name ?? ""),
        restartCount: num(c.restartCount) ?? 0,
        ready: c.ready === true,
        ...opt("waitingReason", str(obj(state.waiting).reason)),
        ...opt("terminatedReason", str(obj(state.terminated).reason)),
        ...opt("lastTerminatedReason", str(last.reason)),
        ...opt("lastTerminatedAt", str(last.finishedAt)),
      };
    }),
  };
}

export function slimNode(raw: unknown): SlimNode {
  const o = obj(raw);
  const status = obj(o.status);
  const internal = arr(status.addresses).find((a) => a.type === "InternalIP");
  return {
    metadata: slimMeta(o.metadata),
    unschedulable: obj(o.spec).unschedulable === true,
    conditions: conditions(status.conditions),
    ...opt("internalIP", str(internal?.address)),
    capacity: strMap(status.capacity) ?? {},
    ...opt("kubeletVersion", str(obj(status.nodeInfo).kubeletVersion)),
  };
}

export function slimService(raw: unknown): SlimService {
  const o = obj(raw);
  const spec = obj(o.spec);
  const ips = Array.isArray(spec.clusterIPs)
    ? (spec.clusterIPs as unknown[]).filter((x): x is string => typeof x === "string" && x !== "None")
    : [];
  const single = str(spec.clusterIP);
  if (ips.length === 0 && single && single !== "None") ips.push(single);
  return { metadata: slimMeta(o.metadata), clusterIPs: ips, ...opt("type", str(spec.type)) };
}

export function slimEndpointSlice(raw: unknown): SlimEndpointSlice {
  const o = obj(raw);
  const meta = slimMeta(o.metadata);
  return {
    metadata: meta,
    ...opt("serviceName", meta.labels?.["kubernetes.io/service-name"]),
    endpoints: arr(o.endpoints).map((e) => {
      const ref = obj(e.targetRef);
      const cond = obj(e.conditions);
      return {
        addresses: Array.isArray(e.addresses)
          ? (e.addresses as unknown[]).filter((a): a is string => typeof a === "string")
          : [],
        ready: cond.ready !== false,
        ...(str(ref.kind) && str(ref.name)
          ? {
              targetRef: {
                kind: String(ref.kind),
                name: String(ref.name),
                ...opt("namespace", str(ref.namespace)),
              },
            }
          : {}),
      };
    }),
  };
}

export function slimWorkload(raw: unknown): SlimWorkload {
  const o = obj(raw);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const kind = str(o.kind);
  const daemon = kind === "DaemonSet";
  return {
    ...opt("kind", kind),
    metadata: slimMeta(o.metadata),
    ...opt("replicas", daemon ? num(status.desiredNumberScheduled) : num(spec.replicas)),
    ...opt("readyReplicas", daemon ? num(status.numberReady) : num(status.readyReplicas)),
    ...opt("availableReplicas", daemon ? num(status.numberAvailable) : num(status.availableReplicas)),
    ...opt("unavailableReplicas", daemon ? num(status.numberUnavailable) : num(status.unavailableReplicas)),
    ...opt("updatedReplicas", daemon ? num(status.updatedNumberScheduled) : num(status.updatedReplicas)),
    ...opt("active", typeof status.active === "number" ? status.active : undefined),
    ...opt("succeeded", num(status.succeeded)),
    ...opt("failed", num(status.failed)),
    ...opt("schedule", str(spec.schedule)),
    ...opt("suspend", typeof spec.suspend === "boolean" ? spec.suspend : undefined),
  };
}

export function slimHpa(raw: unknown): SlimHpa {
  const o = obj(raw);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const target = obj(spec.scaleTargetRef);
  return {
    metadata: slimMeta(o.metadata),
    targetKind: String(target.kind ?? ""),
    targetName: String(target.name ?? ""),
    minReplicas: num(spec.minReplicas) ?? 1,
    maxReplicas: num(spec.maxReplicas) ?? 0,
    currentReplicas: num(status.currentReplicas) ?? 0,
    desiredReplicas: num(status.desiredReplicas) ?? 0,
  };
}

export function slimEvent(raw: unknown): SlimEvent {
  const o = obj(raw);
  const involved = obj(o.involvedObject);
  const when =
    str(o.lastTimestamp) ?? str(o.eventTime) ?? str(obj(o.series).lastObservedTime) ?? str(o.firstTimestamp);
  const parsed = when ? Date.parse(when) : NaN;
  return {
    metadata: slimMeta(o.metadata),
    type: String(o.type ?? ""),
    reason: String(o.reason ?? ""),
    message: String(o.message ?? "").slice(0, 1024),
    count: num(o.count) ?? num(obj(o.series).count) ?? 1,
    involvedKind: String(involved.kind ?? ""),
    involvedName: String(involved.name ?? ""),
    ...opt("involvedNamespace", str(involved.namespace)),
    lastUnixMs: Number.isFinite(parsed) ? parsed : 0,
  };
}

/** Kubernetes quantity ("512Mi", "1.5G", "250m", "2") as a number of base units. */
export function parseQuantity(q: string): number | undefined {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  if (!Number.isFinite(value)) return undefined;
  const factor: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return value * (m[2] ? (factor[m[2]] ?? 1) : 1);
}

/** Parses an RFC 3339 timestamp to Unix milliseconds (undefined if absent or invalid). */
export function unixMs(timestamp: string | undefined): number | undefined {
  if (!timestamp) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) ? ms : undefined;
}
