import { parseContainerStatusId } from "../cgroup/container-id.js";
import { cpuMillicores, parseQuantity } from "./quantity.js";

/** A container of a pod on this node, as the agent needs it. */
export interface PodContainerInfo {
  readonly name: string;
  /** Bare 64-hex id of the running container, once the runtime reported it. */
  readonly containerId: string | undefined;
  readonly restartCount: number;
  readonly state: "running" | "waiting" | "terminated" | "unknown";
  readonly lastTermination:
    { readonly exitCode: number; readonly reason: string; readonly finishedAtMs: number } | undefined;
  readonly cpuRequestMillicores: number | undefined;
  readonly cpuLimitMillicores: number | undefined;
  readonly memoryRequestBytes: number | undefined;
  readonly memoryLimitBytes: number | undefined;
}

/** A pod scheduled on this node. */
export interface PodInfo {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly podIp: string | undefined;
  readonly phase: string;
  readonly hostNetwork: boolean;
  readonly containers: readonly PodContainerInfo[];
}

/** The subset of a Kubernetes Pod object the agent reads. */
export interface KubePod {
  readonly metadata?: { readonly uid?: string; readonly name?: string; readonly namespace?: string };
  readonly spec?: {
    readonly nodeName?: string;
    readonly hostNetwork?: boolean;
    readonly containers?: readonly {
      readonly name: string;
      readonly resources?: {
        readonly requests?: Readonly<Record<string, string>>;
        readonly limits?: Readonly<Record<string, string>>;
      };
    }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly containerStatuses?: readonly {
      readonly name: string;
      readonly containerID?: string;
      readonly restartCount?: number;
      readonly state?: {
        readonly running?: unknown;
        readonly waiting?: unknown;
        readonly terminated?: unknown;
      };
      readonly lastState?: {
        readonly terminated?: {
          readonly exitCode?: number;
          readonly reason?: string;
          readonly finishedAt?: string | Date;
        };
      };
    }[];
  };
}

/** Converts a Kubernetes Pod into what the agent keeps; undefined for objects without identity. */
export function podInfoFromKube(pod: KubePod): PodInfo | undefined {
  const uid = pod.metadata?.uid;
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!uid || !name || !namespace) return undefined;
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const containers: PodContainerInfo[] = (pod.spec?.containers ?? []).map((c) => {
    const s = statuses.get(c.name);
    const last = s?.lastState?.terminated;
    const finishedAt = last?.finishedAt;
    return {
      name: c.name,
      containerId: s?.containerID ? parseContainerStatusId(s.containerID)?.id : undefined,
      restartCount: s?.restartCount ?? 0,
      state: s?.state?.running
        ? "running"
        : s?.state?.waiting
          ? "waiting"
          : s?.state?.terminated
            ? "terminated"
            : "unknown",
      lastTermination: last
        ? {
            exitCode: last.exitCode ?? 0,
            reason: last.reason ?? "",
            finishedAtMs: finishedAt ? new Date(finishedAt).getTime() : 0,
          }
        : undefined,
      cpuRequestMillicores: cpuMillicores(c.resources?.requests?.cpu),
      cpuLimitMillicores: cpuMillicores(c.resources?.limits?.cpu),
      memoryRequestBytes: parseQuantity(c.resources?.requests?.memory),
      memoryLimitBytes: parseQuantity(c.resources?.limits?.memory),
    };
  });
  return {
    uid,
    namespace,
    name,
    nodeName: pod.spec?.nodeName ?? "",
    podIp: pod.status?.podIP || undefined,
    phase: pod.status?.phase ?? "Unknown",
    hostNetwork: pod.spec?.hostNetwork ?? false,
    containers,
  };
}
