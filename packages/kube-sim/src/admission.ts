import { type ResourceType } from "./resources.js";
import { labelSelectorMatcher, type LabelSelectorSpec } from "./selectors.js";
import { type FieldCause } from "./status.js";

type Obj = Record<string, unknown>;
type Container = {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  ports?: { containerPort?: number; protocol?: string; name?: string }[];
  [k: string]: unknown;
};
type PodSpec = {
  containers?: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  [k: string]: unknown;
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Types whose metadata.generation the API server maintains (bumped on spec changes). */
export function tracksGeneration(type: ResourceType): boolean {
  return ["apps", "batch", "autoscaling", "policy", "networking.k8s.io", "causeway.dev"].includes(type.group);
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Allocates ClusterIPs and NodePorts for Services, as the API server's registries do. */
export class ServiceAllocator {
  #nextIp = 10;
  #nextNodePort = 30000;
  readonly #usedIps = new Set<string>();

  clusterIp(): string {
    for (;;) {
      const n = this.#nextIp++;
      // 10.96.0.0/12
      const ip = `10.${96 + ((n >> 16) & 0x0f)}.${(n >> 8) & 0xff}.${n & 0xff}`;
      if (!this.#usedIps.has(ip) && (n & 0xff) !== 0) {
        this.#usedIps.add(ip);
        return ip;
      }
    }
  }

  reserve(ip: string): void {
    this.#usedIps.add(ip);
  }

  release(ip: string): void {
    this.#usedIps.delete(ip);
  }

  nodePort(): number {
    const port = this.#nextNodePort++;
    if (this.#nextNodePort > 32767) this.#nextNodePort = 30000;
    return port;
  }
}

function defaultContainer(c: Container): void {
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  if (c.imagePullPolicy === undefined && typeof c.image === "string") {
    const tag = c.image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(c.image)?.[1] ?? "latest");
    c.imagePullPolicy = tag === "latest" ? "Always" : "IfNotPresent";
  }
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= "TCP";
}

/** Defaults of a pod spec (also inside workload templates). */
export function defaultPodSpec(spec: PodSpec, restartPolicy = "Always"): void {
  spec.restartPolicy ??= restartPolicy;
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName === undefined && spec.serviceAccount === undefined)
    spec.serviceAccountName = "default";
  if (spec.serviceAccountName !== undefined) spec.serviceAccount ??= spec.serviceAccountName;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}

function qosClass(spec: PodSpec): string {
  const containers = spec.containers ?? [];
  let guaranteed = containers.length > 0;
  let any = false;
  for (const c of containers) {
    const r = (c.resources ?? {}) as { limits?: Obj; requests?: Obj };
    const limits = r.limits ?? {};
    const requests = { ...limits, ...(r.requests ?? {}) };
    if (Object.keys(limits).length > 0 || Object.keys(requests).length > 0) any = true;
    for (const res of ["cpu", "memory"]) {
      if (limits[res] === undefined || String(requests[res]) !== String(limits[res])) guaranteed = false;
    }
  }
  return guaranteed ? "Guaranteed" : any ? "Burstable" : "BestEffort";
}

function templateSpec(obj: Obj): { template: Obj; spec: PodSpec } | undefined {
  const template = (obj.spec as Obj | undefined)?.template;
  if (!isObj(template)) return undefined;
  template.metadata ??= {};
  template.spec ??= {};
  return { template, spec: template.spec as PodSpec };
}

/** Applies the API server's defaults to a new object (and, for some fields, to updates). */
export function applyDefaults(
  type: ResourceType,
  obj: Obj,
  services: ServiceAllocator,
  isCreate: boolean,
): void {
  const spec = (isObj(obj.spec) ? obj.spec : undefined) as Obj | undefined;
  const meta = obj.metadata as Obj & { name: string; labels?: Record<string, string> };
  switch (`${type.group}/${type.resource}`) {
    case "/namespaces":
      obj.spec = { finalizers: ["kubernetes"], ...(spec ?? {}) };
      obj.status = { phase: "Active", ...((obj.status as Obj | undefined) ?? {}) };
      meta.labels = { ...(meta.labels ?? {}), "kubernetes.io/metadata.name": meta.name };
      break;
    case "/pods": {
      const podSpec = (obj.spec ??= {}) as PodSpec;
      defaultPodSpec(podSpec);
      podSpec.priority ??= 0;
      podSpec.tolerations ??= [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ];
      if (isCreate)
        obj.status = { phase: "Pending", qosClass: qosClass(podSpec), ...((obj.status as Obj) ?? {}) };
      break;
    }
    case "/services": {
      const s = (obj.spec ??= {}) as Obj & { ports?: Obj[]; clusterIP?: string; type?: string };
      s.type ??= "ClusterIP";
      s.sessionAffinity ??= "None";
      if (s.type !== "ExternalName") {
        if (isCreate && (s.clusterIP === undefined || s.clusterIP === "")) s.clusterIP = services.clusterIp();
        else if (isCreate && s.clusterIP !== "None") services.reserve(s.clusterIP as string);
        s.clusterIPs ??= [s.clusterIP];
        s.ipFamilies ??= ["IPv4"];
        s.ipFamilyPolicy ??= "SingleStack";
        s.internalTrafficPolicy ??= "Cluster";
      }
      for (const p of s.ports ?? []) {
        p.protocol ??= "TCP";
        p.targetPort ??= p.port;
        if ((s.type === "NodePort" || s.type === "LoadBalancer") && p.nodePort === undefined)
          p.nodePort = services.nodePort();
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case "/secrets": {
      obj.type ??= "Opaque";
      const stringData = obj.stringData as Record<string, string> | undefined;
      if (stringData) {
        const data = (obj.data ??= {}) as Record<string, string>;
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
        delete obj.stringData;
      }
      break;
    }
    case "apps/deployments": {
      const s = (obj.spec ??= {}) as Obj;
      s.replicas ??= 1;
      s.strategy ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
      s.revisionHistoryLimit ??= 10;
      s.progressDeadlineSeconds ??= 600;
      const t = templateSpec(obj);
      if (t) defaultPodSpec(t.spec);
      break;
    }
    case "apps/replicasets":
    case "apps/statefulsets": {
      const s = (obj.spec ??= {}) as Obj;
      s.replicas ??= 1;
      if (type.resource === "statefulsets") {
        s.podManagementPolicy ??= "OrderedReady";
        s.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
        s.revisionHistoryLimit ??= 10;
      }
      const t = templateSpec(obj);
      if (t) defaultPodSpec(t.spec);
      break;
    }
    case "apps/daemonsets": {
      const s = (obj.spec ??= {}) as Obj;
      s.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      s.revisionHistoryLimit ??= 10;
      const t = templateSpec(obj);
      if (t) defaultPodSpec(t.spec);
      break;
    }
    case "batch/jobs": {
      const s = (obj.spec ??= {}) as Obj;
      s.parallelism ??= 1;
      s.completions ??= 1;
      s.backoffLimit ??= 6;
      s.completionMode ??= "NonIndexed";
      const t = templateSpec(obj);
      if (t && isCreate) {
        defaultPodSpec(t.spec, "Never");
        const uid = (obj.metadata as Obj).uid as string;
        const labels = {
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": meta.name,
        };
        const tm = t.template.metadata as Obj;
        tm.labels = {
          ...((tm.labels as Record<string, string>) ?? {}),
          ...labels,
          "controller-uid": uid,
          "job-name": meta.name,
        };
        s.selector ??= { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
      }
      break;
    }
    case "batch/cronjobs": {
      const s = (obj.spec ??= {}) as Obj;
      s.concurrencyPolicy ??= "Allow";
      s.suspend ??= false;
      s.successfulJobsHistoryLimit ??= 3;
      s.failedJobsHistoryLimit ??= 1;
      break;
    }
    default:
      break;
  }
}

function validateName(type: ResourceType, name: string, causes: FieldCause[]): void {
  if (name.length > 253)
    causes.push({
      field: "metadata.name",
      message: `Invalid value: "${name}": must be no more than 253 characters`,
    });
  const label = type.resource === "namespaces" || (type.group === "" && type.resource === "services");
  const rbac = type.group === "rbac.authorization.k8s.io";
  if (rbac) {
    if (name.includes("/") || name.includes("%") || name === "." || name === "..")
      causes.push({
        field: "metadata.name",
        message: `Invalid value: "${name}": may not contain '/' or '%'`,
      });
    return;
  }
  if (
    label
      ? !(type.resource === "services" ? DNS1035_LABEL : DNS1123_LABEL).test(name) || name.length > 63
      : !DNS1123_SUBDOMAIN.test(name)
  ) {
    causes.push({
      field: "metadata.name",
      message: label
        ? `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`
        : `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
}

function validateLabels(labels: unknown, field: string, causes: FieldCause[]): void {
  if (labels === undefined || labels === null) return;
  if (!isObj(labels)) {
    causes.push({ field, message: "Invalid value: must be an object of strings" });
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf("/");
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    if (
      !QUALIFIED_NAME.test(name) ||
      name.length > 63 ||
      (prefix !== undefined && !DNS1123_SUBDOMAIN.test(prefix))
    )
      causes.push({
        field,
        message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    if (typeof v !== "string" || !LABEL_VALUE.test(v) || v.length > 63)
      causes.push({
        field: `${field}`,
        message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
      });
  }
}

function validateContainers(spec: PodSpec | undefined, field: string, causes: FieldCause[]): void {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: `${field}.containers`, message: "Required value", reason: "FieldValueRequired" });
    return;
  }
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const f = `${field}.containers[${i}]`;
    if (typeof c.name !== "string" || c.name === "")
      causes.push({ field: `${f}.name`, message: "Required value", reason: "FieldValueRequired" });
    else if (!DNS1123_LABEL.test(c.name))
      causes.push({
        field: `${f}.name`,
        message: `Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
      });
    else if (names.has(c.name))
      causes.push({
        field: `${f}.name`,
        message: `Duplicate value: "${c.name}"`,
        reason: "FieldValueDuplicate",
      });
    if (typeof c.name === "string") names.add(c.name);
    if (typeof c.image !== "string" || c.image === "")
      causes.push({ field: `${f}.image`, message: "Required value", reason: "FieldValueRequired" });
    for (const [j, p] of (c.ports ?? []).entries()) {
      if (typeof p.containerPort !== "number" || p.containerPort < 1 || p.containerPort > 65535)
        causes.push({
          field: `${f}.ports[${j}].containerPort`,
          message: `Invalid value: ${String(p.containerPort)}: must be between 1 and 65535, inclusive`,
        });
    }
  });
  const rp = spec?.restartPolicy;
  if (rp !== undefined && !["Always", "OnFailure", "Never"].includes(rp))
    causes.push({
      field: `${field}.restartPolicy`,
      message: `Unsupported value: "${rp}": supported values: "Always", "OnFailure", "Never"`,
      reason: "FieldValueNotSupported",
    });
}

function validateWorkload(obj: Obj, causes: FieldCause[], needsSelector: boolean): void {
  const spec = obj.spec as
    (Obj & { selector?: LabelSelectorSpec; replicas?: unknown; template?: Obj }) | undefined;
  if (!isObj(spec)) {
    causes.push({ field: "spec", message: "Required value", reason: "FieldValueRequired" });
    return;
  }
  if (
    spec.replicas !== undefined &&
    (typeof spec.replicas !== "number" || !Number.isInteger(spec.replicas) || spec.replicas < 0)
  )
    causes.push({
      field: "spec.replicas",
      message: `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0`,
    });
  const template = spec.template as
    { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } | undefined;
  if (!isObj(template)) {
    causes.push({ field: "spec.template", message: "Required value", reason: "FieldValueRequired" });
    return;
  }
  validateLabels(template.metadata?.labels, "spec.template.metadata.labels", causes);
  validateContainers(template.spec, "spec.template.spec", causes);
  if (needsSelector) {
    const sel = spec.selector as LabelSelectorSpec | undefined;
    if (
      !sel ||
      !isObj(sel) ||
      (Object.keys(sel.matchLabels ?? {}).length === 0 &&
        ((sel.matchExpressions as unknown[] | undefined)?.length ?? 0) === 0)
    ) {
      causes.push({ field: "spec.selector", message: "Required value", reason: "FieldValueRequired" });
    } else if (!labelSelectorMatcher(sel)(template.metadata?.labels ?? {})) {
      causes.push({
        field: "spec.template.metadata.labels",
        message: `Invalid value: ${JSON.stringify(template.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
      });
    }
  }
}

/** Validation of a create or update, as the type's REST strategy does it. */
export function validateObject(type: ResourceType, obj: Obj, old: Obj | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  const meta = obj.metadata as { name?: string; labels?: unknown; annotations?: unknown };
  validateName(type, meta.name ?? "", causes);
  validateLabels(meta.labels, "metadata.labels", causes);
  if (meta.annotations !== undefined && meta.annotations !== null && !isObj(meta.annotations))
    causes.push({ field: "metadata.annotations", message: "Invalid value: must be an object of strings" });
  switch (`${type.group}/${type.resource}`) {
    case "/pods":
      validateContainers(obj.spec as PodSpec | undefined, "spec", causes);
      if (old) {
        const a = (old.spec as PodSpec).containers?.map((c) => c.name);
        const b = (obj.spec as PodSpec | undefined)?.containers?.map((c) => c.name);
        if (JSON.stringify(a) !== JSON.stringify(b))
          causes.push({
            field: "spec",
            message:
              "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`",
            reason: "FieldValueForbidden",
          });
      }
      break;
    case "/services": {
      const s = (obj.spec ?? {}) as {
        type?: string;
        clusterIP?: string;
        ports?: { port?: unknown; name?: string }[];
      };
      if (!["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", undefined].includes(s.type))
        causes.push({
          field: "spec.type",
          message: `Unsupported value: "${String(s.type)}": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
          reason: "FieldValueNotSupported",
        });
      if (s.type !== "ExternalName" && s.clusterIP !== "None" && (s.ports ?? []).length === 0)
        causes.push({ field: "spec.ports", message: "Required value", reason: "FieldValueRequired" });
      (s.ports ?? []).forEach((p, i) => {
        if (typeof p.port !== "number" || p.port < 1 || p.port > 65535)
          causes.push({
            field: `spec.ports[${i}].port`,
            message: `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive`,
          });
        if ((s.ports ?? []).length > 1 && !p.name)
          causes.push({
            field: `spec.ports[${i}].name`,
            message: "Required value",
            reason: "FieldValueRequired",
          });
      });
      const oldIp = (old?.spec as { clusterIP?: string } | undefined)?.clusterIP;
      if (
        old &&
        s.clusterIP !== undefined &&
        oldIp !== undefined &&
        s.clusterIP !== oldIp &&
        s.clusterIP !== ""
      )
        causes.push({ field: "spec.clusterIPs[0]", message: "Invalid value: field is immutable" });
      break;
    }
    case "/configmaps":
    case "/secrets":
      for (const field of ["data", "binaryData"]) {
        for (const k of Object.keys(isObj(obj[field]) ? (obj[field] as Obj) : {}))
          if (!CONFIG_KEY.test(k))
            causes.push({
              field: `${field}[${k}]`,
              message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
            });
      }
      break;
    case "apps/deployments":
    case "apps/replicasets":
    case "apps/statefulsets":
    case "apps/daemonsets":
      validateWorkload(obj, causes, true);
      if (
        old &&
        JSON.stringify((old.spec as Obj).selector) !== JSON.stringify((obj.spec as Obj | undefined)?.selector)
      )
        causes.push({
          field: "spec.selector",
          message: `Invalid value: ${JSON.stringify((obj.spec as Obj | undefined)?.selector)}: field is immutable`,
        });
      break;
    case "batch/jobs": {
      validateWorkload(obj, causes, false);
      const rp = ((obj.spec as Obj | undefined)?.template as { spec?: PodSpec } | undefined)?.spec
        ?.restartPolicy;
      if (rp === "Always")
        causes.push({
          field: "spec.template.spec.restartPolicy",
          message: `Unsupported value: "Always": supported values: "OnFailure", "Never"`,
          reason: "FieldValueNotSupported",
        });
      break;
    }
    case "batch/cronjobs":
      if (typeof (obj.spec as Obj | undefined)?.schedule !== "string")
        causes.push({ field: "spec.schedule", message: "Required value", reason: "FieldValueRequired" });
      break;
    case "autoscaling/horizontalpodautoscalers": {
      const s = (obj.spec ?? {}) as { maxReplicas?: number; minReplicas?: number; scaleTargetRef?: Obj };
      if (typeof s.maxReplicas !== "number" || s.maxReplicas < 1)
        causes.push({
          field: "spec.maxReplicas",
          message: "Invalid value: must be greater than or equal to 1",
        });
      if (s.minReplicas !== undefined && s.maxReplicas !== undefined && s.minReplicas > s.maxReplicas)
        causes.push({
          field: "spec.maxReplicas",
          message: "Invalid value: must be greater than or equal to `minReplicas`",
        });
      if (!isObj(s.scaleTargetRef))
        causes.push({
          field: "spec.scaleTargetRef",
          message: "Required value",
          reason: "FieldValueRequired",
        });
      break;
    }
    case "rbac.authorization.k8s.io/rolebindings":
    case "rbac.authorization.k8s.io/clusterrolebindings": {
      const ref = obj.roleRef as { kind?: string; name?: string } | undefined;
      if (!isObj(ref) || !ref.name)
        causes.push({ field: "roleRef.name", message: "Required value", reason: "FieldValueRequired" });
      else if (
        !(type.resource === "rolebindings" ? ["Role", "ClusterRole"] : ["ClusterRole"]).includes(
          ref.kind ?? "",
        )
      )
        causes.push({
          field: "roleRef.kind",
          message: `Unsupported value: "${String(ref.kind)}"`,
          reason: "FieldValueNotSupported",
        });
      if (old && JSON.stringify(old.roleRef) !== JSON.stringify(obj.roleRef))
        causes.push({ field: "roleRef", message: "Invalid value: cannot change roleRef" });
      break;
    }
    default:
      break;
  }
  return causes;
}
