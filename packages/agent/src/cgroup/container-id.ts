/** Container runtimes whose cgroup naming the agent recognises. */
export type ContainerRuntime = "containerd" | "cri-o" | "docker";

/** What a cgroup path says about the container in it. */
export interface ContainerCgroup {
  /** Full (64 hex) container id, as in the pod's `status.containerStatuses[].containerID`. */
  readonly containerId: string;
  /** Undefined for cgroupfs paths, which do not name the runtime. */
  readonly runtime: ContainerRuntime | undefined;
  readonly driver: "systemd" | "cgroupfs";
  /** The pod's UID when the path is under a kubelet pod cgroup. */
  readonly podUid: string | undefined;
  readonly qosClass: "guaranteed" | "burstable" | "besteffort" | undefined;
}

const HEX64 = "[0-9a-f]{64}";
// systemd driver: <prefix>-<id>.scope
const SYSTEMD_SCOPE = new RegExp(`^(cri-containerd|crio|docker)-(${HEX64})\\.scope$`);
// cgroupfs driver: the id alone, or crio-<id> / docker-<id> without .scope
const CGROUPFS_LEAF = new RegExp(`^(?:(crio|docker)-)?(${HEX64})$`);
const POD_SYSTEMD = /^(?:[a-z0-9]+-)?kubepods(?:-(besteffort|burstable))?-pod([0-9a-f_]{36})\.slice$/;
const POD_CGROUPFS = /^pod([0-9a-f-]{36})$/;

const RUNTIME_PREFIX: Readonly<Record<string, ContainerRuntime>> = {
  "cri-containerd": "containerd",
  crio: "cri-o",
  docker: "docker",
};

/**
 * Parses a pod cgroup segment (`pod<uid>` with cgroupfs, `kubepods-<qos>-pod<uid_with_underscores>.slice`
 * with systemd) into the pod UID and QoS class.
 */
export function parsePodSegment(
  segment: string,
  parent: string | undefined,
): { readonly podUid: string; readonly qosClass: ContainerCgroup["qosClass"] } | undefined {
  const systemd = POD_SYSTEMD.exec(segment);
  if (systemd) {
    const qos = systemd[1] as "besteffort" | "burstable" | undefined;
    return { podUid: (systemd[2] as string).replace(/_/g, "-"), qosClass: qos ?? "guaranteed" };
  }
  const cgroupfs = POD_CGROUPFS.exec(segment);
  if (cgroupfs) {
    const qos = parent === "burstable" || parent === "besteffort" ? parent : "guaranteed";
    return { podUid: cgroupfs[1] as string, qosClass: qos };
  }
  return undefined;
}

/**
 * Reads the container id (and pod UID, where present) from a cgroup path, for containerd, CRI-O
 * and docker under either cgroup driver, with or without Kubernetes:
 *
 * - systemd: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`,
 *   `.../crio-<id>.scope`, `.../docker-<id>.scope`, `/system.slice/docker-<id>.scope`
 * - cgroupfs: `/kubepods/burstable/pod<uid>/<id>`, `/kubepods/pod<uid>/crio-<id>`, `/docker/<id>`
 *
 * Paths may sit below a prefix (kind nodes, nested hierarchies). CRI-O's `crio-conmon-<id>.scope`
 * is the monitor, not the container, and is not matched. Returns undefined for other cgroups.
 */
export function parseContainerCgroup(path: string): ContainerCgroup | undefined {
  const segments = path.split("/").filter((s) => s !== "");
  const leaf = segments.at(-1);
  if (leaf === undefined) return undefined;
  let containerId: string;
  let runtime: ContainerRuntime | undefined;
  let driver: ContainerCgroup["driver"];
  const scope = SYSTEMD_SCOPE.exec(leaf);
  if (scope) {
    containerId = scope[2] as string;
    runtime = RUNTIME_PREFIX[scope[1] as string];
    driver = "systemd";
  } else {
    const plain = CGROUPFS_LEAF.exec(leaf);
    if (!plain) return undefined;
    containerId = plain[2] as string;
    runtime = plain[1] ? RUNTIME_PREFIX[plain[1]] : undefined;
    driver = "cgroupfs";
    // A bare 64-hex directory is a container only under a pod or a docker parent.
    const parent = segments.at(-2);
    if (!plain[1] && !(parent !== undefined && (POD_CGROUPFS.test(parent) || parent === "docker"))) {
      return undefined;
    }
    if (parent === "docker") runtime = "docker";
  }
  const parentSegment = segments.at(-2);
  const pod = parentSegment !== undefined ? parsePodSegment(parentSegment, segments.at(-3)) : undefined;
  return { containerId, runtime, driver, podUid: pod?.podUid, qosClass: pod?.qosClass };
}

/**
 * Splits a Kubernetes `containerID` (`containerd://<id>`, `cri-o://<id>`, `docker://<id>`) into
 * runtime and id.
 */
export function parseContainerStatusId(
  containerId: string,
): { readonly runtime: string; readonly id: string } | undefined {
  const match = /^([a-z0-9-]+):\/\/([0-9a-f]{64})$/.exec(containerId);
  return match ? { runtime: match[1] as string, id: match[2] as string } : undefined;
}
