import { remediationChangeSchema } from "@causeway/remediation";
import { KIND, RELATION } from "./model/compile-model.js";
import { type RemediationKind } from "./model/model-types.js";
import { type RemediationProposal } from "./root-cause.js";
import { type TopologyGraph } from "./topology-graph.js";
import { displayName, nodeOf, ownerOf, replicaSetRevisions, workloadOfService } from "./topology-lookup.js";

const MIB = 1024 * 1024;
/** A raised memory limit gives this much headroom over the limit that was hit, or the observed peak. */
export const MEMORY_LIMIT_GROWTH = 1.5;
export const MEMORY_PEAK_HEADROOM = 1.25;
/** A raised CPU limit is this multiple of the throttled one. */
export const CPU_LIMIT_GROWTH = 2;
/** A noisy neighbour without a CPU request is capped at this. */
export const DEFAULT_NOISY_CPU_LIMIT_MILLICORES = 1000;
export const SCALE_OUT_GROWTH = 1.5;
export const MAX_PROPOSED_REPLICAS = 1000;

export interface ProposalContext {
  readonly graph: TopologyGraph;
  /** The root cause's entity. */
  readonly entity: number;
  readonly kind: RemediationKind;
  /** Evidence numbers of the active symptoms on an entity, merged. */
  readonly evidence: (entity: number) => Readonly<Record<string, number>>;
  readonly isActive: (entity: number, symptomType: string) => boolean;
  /** ISO time written to a rollout restart: the root cause's first sighting, so the change is stable. */
  readonly restartedAt: string;
}

const APPS_KIND: Partial<Record<number, "Deployment" | "StatefulSet" | "DaemonSet">> = {
  [KIND.deployment]: "Deployment",
  [KIND.statefulset]: "StatefulSet",
  [KIND.daemonset]: "DaemonSet",
};

/**
 * The exact Kubernetes change remedying a root cause, or undefined when none fits or the topology
 * lacks what the change needs (no owning workload, no known limit). Every change returned parses
 * with `remediationChangeSchema`.
 */
export function proposeRemediation(ctx: ProposalContext): RemediationProposal | undefined {
  const proposal = build(ctx);
  if (!proposal) return undefined;
  const parsed = remediationChangeSchema.safeParse(proposal.change);
  return parsed.success ? { summary: proposal.summary, change: parsed.data } : undefined;
}

function build(ctx: ProposalContext): RemediationProposal | undefined {
  const g = ctx.graph;
  switch (ctx.kind) {
    case "raise-memory-limit":
      return raiseMemoryLimit(ctx);
    case "raise-cpu-limit":
      return raiseCpuLimit(ctx);
    case "limit-cpu":
      return limitCpu(ctx);
    case "rollout-restart": {
      const w =
        g.kinds[ctx.entity] === KIND.service ? workloadOfService(g, ctx.entity) : ownerOf(g, ctx.entity);
      const target = appsTarget(g, w);
      if (!target) return undefined;
      return {
        summary: `Restart every pod of ${target.kind} ${target.namespace}/${target.name} with a rolling restart.`,
        change: { action: "rollout-restart", target, restartedAt: ctx.restartedAt },
      };
    }
    case "rollout-undo":
      return rolloutUndo(g, g.kinds[ctx.entity] === KIND.deployment ? ctx.entity : ownerOf(g, ctx.entity));
    case "rollout-undo-if-recent": {
      const w = ownerOf(g, ctx.entity);
      if (w < 0 || g.kinds[w] !== KIND.deployment || !ctx.isActive(w, "recent_rollout")) return undefined;
      return rolloutUndo(g, w);
    }
    case "scale-out":
      return scaleOut(ctx);
    case "delete-pod": {
      if (g.kinds[ctx.entity] !== KIND.pod) return undefined;
      return {
        summary: `Delete pod ${displayName(g, ctx.entity)} so that its controller replaces it.`,
        change: {
          action: "delete-pod",
          target: {
            apiVersion: "v1",
            kind: "Pod",
            namespace: ns(g, ctx.entity),
            name: g.names[ctx.entity] ?? "",
          },
        },
      };
    }
    case "cordon": {
      const node = nodeOf(g, ctx.entity);
      if (node < 0) return undefined;
      return {
        summary: `Cordon node ${g.names[node]} so that no new pods are scheduled on it.`,
        change: { action: "cordon", target: { apiVersion: "v1", kind: "Node", name: g.names[node] ?? "" } },
      };
    }
  }
}

function raiseMemoryLimit(ctx: ProposalContext): RemediationProposal | undefined {
  const g = ctx.graph;
  const target = appsTarget(g, ownerOf(g, ctx.entity));
  const container = containerName(g, ctx.entity);
  if (!target || !container) return undefined;
  const ev = ctx.evidence(ctx.entity);
  const limit = ev.limit_bytes ?? numberAttribute(g, ctx.entity, "memory_limit_bytes");
  const peak = Math.max(ev.peak_bytes ?? 0, ev.working_set_bytes ?? 0, ev.usage_bytes ?? 0);
  if (limit === undefined && peak === 0) return undefined;
  const wanted = Math.max((limit ?? 0) * MEMORY_LIMIT_GROWTH, peak * MEMORY_PEAK_HEADROOM);
  const mib = Math.ceil(wanted / MIB);
  const from = limit !== undefined ? `${Math.round(limit / MIB)}Mi` : "no limit";
  return {
    summary: `Raise the memory limit of container ${container} in ${target.kind} ${target.namespace}/${target.name} from ${from} to ${mib}Mi (${MEMORY_LIMIT_GROWTH}× the limit it hit, at least ${MEMORY_PEAK_HEADROOM}× the observed peak).`,
    change: { action: "set-resources", target, container, resources: { limits: { memory: `${mib}Mi` } } },
  };
}

function raiseCpuLimit(ctx: ProposalContext): RemediationProposal | undefined {
  const g = ctx.graph;
  const target = appsTarget(g, ownerOf(g, ctx.entity));
  const container = containerName(g, ctx.entity);
  const ev = ctx.evidence(ctx.entity);
  const limit = ev.limit_millicores ?? numberAttribute(g, ctx.entity, "cpu_limit_millicores");
  if (!target || !container || limit === undefined || limit <= 0) return undefined;
  const raised = Math.ceil(limit * CPU_LIMIT_GROWTH);
  return {
    summary: `Raise the CPU limit of container ${container} in ${target.kind} ${target.namespace}/${target.name} from ${limit}m to ${raised}m (${CPU_LIMIT_GROWTH}×) so that it is no longer throttled.`,
    change: { action: "set-resources", target, container, resources: { limits: { cpu: `${raised}m` } } },
  };
}

function limitCpu(ctx: ProposalContext): RemediationProposal | undefined {
  const g = ctx.graph;
  const target = appsTarget(g, ownerOf(g, ctx.entity));
  const container = containerName(g, ctx.entity);
  if (!target || !container) return undefined;
  const request = numberAttribute(g, ctx.entity, "cpu_request_millicores");
  const limit =
    request !== undefined && request > 0 ? Math.max(100, 2 * request) : DEFAULT_NOISY_CPU_LIMIT_MILLICORES;
  return {
    summary: `Cap the CPU of container ${container} in ${target.kind} ${target.namespace}/${target.name} at ${limit}m (${request !== undefined && request > 0 ? "twice its request" : "no request is set"}) so that it stops starving its neighbours.`,
    change: { action: "set-resources", target, container, resources: { limits: { cpu: `${limit}m` } } },
  };
}

function rolloutUndo(g: TopologyGraph, deployment: number): RemediationProposal | undefined {
  const target = appsTarget(g, deployment);
  if (!target || target.kind !== "Deployment") return undefined;
  const revisions = replicaSetRevisions(g, deployment);
  const previous = revisions[1]?.revision;
  return {
    summary:
      previous !== undefined
        ? `Roll Deployment ${target.namespace}/${target.name} back from revision ${revisions[0]?.revision} to revision ${previous}.`
        : `Roll Deployment ${target.namespace}/${target.name} back to its previous revision.`,
    change:
      previous !== undefined
        ? { action: "rollout-undo", target: { ...target, kind: "Deployment" }, toRevision: previous }
        : { action: "rollout-undo", target: { ...target, kind: "Deployment" } },
  };
}

function scaleOut(ctx: ProposalContext): RemediationProposal | undefined {
  const g = ctx.graph;
  const w = ctx.entity;
  const target = appsTarget(g, w);
  if (!target || target.kind === "DaemonSet") return undefined;
  const hpa = (g.in(RELATION.scales, w) ?? []).find((h) => g.kinds[h] === KIND.hpa);
  const current =
    numberAttribute(g, w, "replicas") ??
    (hpa !== undefined ? numberAttribute(g, hpa, "current_replicas") : undefined);
  if (current === undefined || current < 0) return undefined;
  const replicas = Math.min(
    MAX_PROPOSED_REPLICAS,
    Math.max(current + 1, Math.ceil(current * SCALE_OUT_GROWTH)),
  );
  if (replicas <= current) return undefined;
  const hpaNote =
    hpa !== undefined
      ? ` Its HorizontalPodAutoscaler ${displayName(g, hpa)} caps it at ${g.attribute(hpa, "max_replicas") ?? "its maximum"}: raise maxReplicas too, or it scales back.`
      : "";
  return {
    summary: `Scale ${target.kind} ${target.namespace}/${target.name} from ${current} to ${replicas} replicas.${hpaNote}`,
    change: { action: "scale", target, replicas },
  };
}

function appsTarget(
  g: TopologyGraph,
  workload: number,
):
  | {
      apiVersion: "apps/v1";
      kind: "Deployment" | "StatefulSet" | "DaemonSet";
      namespace: string;
      name: string;
    }
  | undefined {
  if (workload < 0) return undefined;
  const kind = APPS_KIND[g.kinds[workload] as number];
  const namespace = ns(g, workload);
  const name = g.names[workload];
  if (!kind || !namespace || !name) return undefined;
  return { apiVersion: "apps/v1", kind, namespace, name };
}

function containerName(g: TopologyGraph, container: number): string | undefined {
  if (g.kinds[container] !== KIND.container) return undefined;
  const id = g.ids[container] ?? "";
  return g.names[container] || id.slice(id.lastIndexOf("/") + 1) || undefined;
}

function ns(g: TopologyGraph, entity: number): string {
  return g.namespaces[entity] ?? "";
}

function numberAttribute(g: TopologyGraph, entity: number, key: string): number | undefined {
  const raw = g.attribute(entity, key);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}
