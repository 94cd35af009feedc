import { entityId } from "@causeway/protocol";
import { type TrackedCgroup } from "../cgroup/cgroup-scanner.js";
import { type PodContainerInfo, type PodInfo } from "./pod-info.js";

/**
 * Namespace used for host-mode entities (cgroups with no pod): not a valid Kubernetes namespace
 * name, so such ids never collide with real ones (docs/adr/0041).
 */
export const HOST_NAMESPACE = "_host";

/** A tracked cgroup with the identity the agent reports it under. */
export interface ContainerIdentity {
  readonly cgroup: TrackedCgroup;
  readonly entityId: string;
  /** The container's name in its pod, or the host-mode name. */
  readonly name: string;
  readonly namespace: string;
  /** Pod name, or the node name for host-mode entities. */
  readonly podName: string;
  readonly pod: PodInfo | undefined;
  readonly spec: PodContainerInfo | undefined;
}

export interface JoinResult {
  readonly containers: ContainerIdentity[];
  /** Pod sandbox (pause) containers: in a known pod, but not one of its containers. */
  readonly sandboxes: number;
  /** Container cgroups of pods the pod source does not know (yet). */
  readonly unknownPods: number;
}

/** A short, readable host-mode name: the unit name, or runtime and the first 12 hex digits. */
export function hostEntityName(cgroup: TrackedCgroup): string {
  if (cgroup.serviceUnit) return cgroup.serviceUnit;
  const c = cgroup.container;
  return c ? `${c.runtime ?? "container"}-${c.containerId.slice(0, 12)}` : cgroup.relPath;
}

/**
 * Joins the container cgroups found on the node with the node's pods by container id (pod
 * `status.containerStatuses[].containerID`). With `hostMode`, or for containers outside any pod
 * cgroup, cgroups become host-mode entities named after their unit or container id.
 */
export function joinContainers(
  tracked: Iterable<TrackedCgroup>,
  pods: ReadonlyMap<string, PodInfo>,
  nodeName: string,
  hostMode: boolean,
): JoinResult {
  const byContainerId = new Map<string, { pod: PodInfo; spec: PodContainerInfo }>();
  for (const pod of pods.values()) {
    for (const spec of pod.containers)
      if (spec.containerId) byContainerId.set(spec.containerId, { pod, spec });
  }
  const containers: ContainerIdentity[] = [];
  let sandboxes = 0;
  let unknownPods = 0;
  for (const cgroup of tracked) {
    const id = cgroup.container?.containerId;
    const match = id !== undefined ? byContainerId.get(id) : undefined;
    if (match) {
      containers.push({
        cgroup,
        entityId: entityId.container(match.pod.namespace, match.pod.name, match.spec.name),
        name: match.spec.name,
        namespace: match.pod.namespace,
        podName: match.pod.name,
        pod: match.pod,
        spec: match.spec,
      });
      continue;
    }
    const podUid = cgroup.container?.podUid;
    if (!hostMode && podUid !== undefined) {
      if (pods.has(podUid)) sandboxes++;
      else unknownPods++;
      continue;
    }
    const name = hostEntityName(cgroup);
    containers.push({
      cgroup,
      entityId: entityId.container(HOST_NAMESPACE, nodeName, name),
      name,
      namespace: HOST_NAMESPACE,
      podName: nodeName,
      pod: undefined,
      spec: undefined,
    });
  }
  return { containers, sandboxes, unknownPods };
}
