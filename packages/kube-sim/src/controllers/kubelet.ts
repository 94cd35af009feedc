import { createHash, randomBytes } from "node:crypto";
import { type KubeApiServer } from "../api-server.js";
import { type ContainerFault, type FaultHooks } from "../faults/fault-hooks.js";
import { TYPES } from "../resources.js";
import { type KubeObject } from "../store.js";
import { timestamp } from "./pod-template.js";
import { EXTERNAL_ANNOTATION } from "./scheduler.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/**
 * Label on a node (value "true") whose pods another program runs (the local stack): the simulated
 * kubelet neither initializes it nor touches its pods, which that program binds and whose
 * pods/status it writes through the API.
 */
export const EXTERNAL_NODE_LABEL = "kube-sim.causeway.dev/external";

/** Options of the simulated kubelet. */
export interface KubeletOptions {
  /** Time a Job's pod runs before it succeeds. */
  readonly jobPodRunMs: number;
  /** Images matching this fail to pull (ErrImagePull/ImagePullBackOff). */
  readonly failingImagePattern: RegExp | undefined;
}

/** Per condition: reason when true, reason when false, taint, message when true, message when false. */
const PRESSURE_REASON: Record<string, [string, string, string, string, string]> = {
  MemoryPressure: [
    "KubeletHasInsufficientMemory",
    "KubeletHasSufficientMemory",
    "node.kubernetes.io/memory-pressure",
    "kubelet has insufficient memory available",
    "kubelet has sufficient memory available",
  ],
  DiskPressure: [
    "KubeletHasDiskPressure",
    "KubeletHasNoDiskPressure",
    "node.kubernetes.io/disk-pressure",
    "kubelet has disk pressure",
    "kubelet has no disk pressure",
  ],
  PIDPressure: [
    "KubeletHasInsufficientPID",
    "KubeletHasSufficientPID",
    "node.kubernetes.io/pid-pressure",
    "kubelet has insufficient PID available",
    "kubelet has sufficient PID available",
  ],
  NetworkUnavailable: [
    "NoRouteCreated",
    "RouteCreated",
    "node.kubernetes.io/network-unavailable",
    "Node created without a route",
    "RouteController created a route",
  ],
};

/** True when another program manages this node's pods. */
export function isExternalNode(
  node: { labels?: Readonly<Record<string, string>> | undefined } | undefined,
): boolean {
  return node?.labels?.[EXTERNAL_NODE_LABEL] === "true";
}

const containerId = () => `containerd://${randomBytes(32).toString("hex")}`;
const imageId = (image: string) =>
  `docker.io/library/${image.includes(":") ? image : `${image}:latest`}@sha256:${createHash("sha256").update(image).digest("hex")}`;

/**
 * The simulated kubelet of every node not marked external: fills in node status, runs bound pods
 * (Running, pod IP from the node's podCIDR, container ids, Ready), finishes graceful deletions,
 * completes Job pods, and applies the fault hooks (crash loops, OOM kills, image pull failures,
 * node NotReady and pressure).
 */
export class SimulatedKubelet {
  readonly #server: KubeApiServer;
  readonly #faults: FaultHooks;
  readonly #options: KubeletOptions;
  #nodeCounter = 0;
  /** Job pods running, with when they finish. */
  readonly #jobPods = new Map<string, number>();

  constructor(server: KubeApiServer, faults: FaultHooks, options: KubeletOptions) {
    this.#server = server;
    this.#faults = faults;
    this.#options = options;
  }

  /** Pods whose Job run time is over, to re-evaluate. */
  dueJobPods(): { namespace: string; pod: string }[] {
    const now = this.#server.clock();
    const out: { namespace: string; pod: string }[] = [];
    for (const [key, at] of this.#jobPods) {
      if (at > now) continue;
      const [namespace, pod] = key.split("/") as [string, string];
      out.push({ namespace, pod });
    }
    return out;
  }

  /** Initializes a node's status and applies node faults. Returns true when the node changed. */
  reconcileNode(name: string): boolean {
    const server = this.#server;
    const entry = server.store.entry(TYPES.nodes, undefined, name);
    if (!entry || isExternalNode(entry)) return false;
    const node = server.store.get(TYPES.nodes, undefined, name) as KubeObject & Any;
    const now = timestamp(server.clock());
    const status: Any = node.status ?? {};
    const spec: Any = node.spec ?? {};
    if (!status.nodeInfo) {
      const n = this.#nodeCounter++;
      spec.podCIDR ??= `10.${244 + (n >> 8)}.${n & 255}.0/24`;
      spec.podCIDRs ??= [spec.podCIDR];
      status.capacity ??= {
        cpu: "8",
        "ephemeral-storage": "102687672Ki",
        "hugepages-2Mi": "0",
        memory: "32863084Ki",
        pods: "110",
      };
      status.allocatable ??= {
        cpu: "8",
        "ephemeral-storage": "94636958398",
        "hugepages-2Mi": "0",
        memory: "32760684Ki",
        pods: "110",
      };
      status.addresses ??= [
        { type: "InternalIP", address: `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${(n & 255) + 1}` },
        { type: "Hostname", address: name },
      ];
      status.daemonEndpoints = { kubeletEndpoint: { Port: 10250 } };
      const id = createHash("md5").update(name).digest("hex");
      status.nodeInfo = {
        machineID: id,
        systemUUID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
        bootID: node.metadata.uid,
        kernelVersion: "6.1.0-kube-sim",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        containerRuntimeVersion: "containerd://1.7.24",
        kubeletVersion: "v1.33.0",
        kubeProxyVersion: "",
        operatingSystem: "linux",
        architecture: "amd64",
      };
      node.metadata.labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        ...(node.metadata.labels ?? {}),
      };
    }
    const fault = this.#faults.nodeFaults.get(name);
    const prev: Any[] = status.conditions ?? [];
    const cond = (type: string, value: string, reason: string, message: string): Any => {
      const old = prev.find((c) => c.type === type);
      return {
        type,
        status: value,
        lastHeartbeatTime: old?.status === value ? old.lastHeartbeatTime : now,
        lastTransitionTime: old?.status === value ? old.lastTransitionTime : now,
        reason,
        message,
      };
    };
    const conditions: Any[] = [];
    // Condition taints are derived here (and unschedulable from spec.unschedulable, as the node
    // lifecycle controller does); other taints are the user's.
    const previousTaints = (spec.taints ?? []) as Any[];
    const taints: Any[] = previousTaints.filter((t) => !String(t.key).startsWith("node.kubernetes.io/"));
    // A taint keeps the time it was first added, so reconciling again writes nothing.
    const taint = (key: string, effect: string): Any => ({
      key,
      effect,
      timeAdded: previousTaints.find((t) => t.key === key && t.effect === effect)?.timeAdded ?? now,
    });
    if (spec.unschedulable === true) taints.push(taint("node.kubernetes.io/unschedulable", "NoSchedule"));
    for (const [type, [bad, good, taintKey, badMessage, goodMessage]] of Object.entries(PRESSURE_REASON)) {
      if (
        type === "NetworkUnavailable" &&
        !fault?.pressure.has("NetworkUnavailable") &&
        !prev.some((c) => c.type === type)
      )
        continue;
      const on = fault?.pressure.has(type as never) === true;
      conditions.push(cond(type, on ? "True" : "False", on ? bad : good, on ? badMessage : goodMessage));
      if (on) taints.push(taint(taintKey, "NoSchedule"));
    }
    if (fault?.notReady === "Unknown") {
      conditions.push(cond("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."));
      taints.push(
        taint("node.kubernetes.io/unreachable", "NoSchedule"),
        taint("node.kubernetes.io/unreachable", "NoExecute"),
      );
    } else if (fault?.notReady === "False") {
      conditions.push(
        cond(
          "Ready",
          "False",
          "KubeletNotReady",
          "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady",
        ),
      );
      taints.push(
        taint("node.kubernetes.io/not-ready", "NoSchedule"),
        taint("node.kubernetes.io/not-ready", "NoExecute"),
      );
    } else {
      conditions.push(cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"));
    }
    status.conditions = conditions;
    if (taints.length > 0) spec.taints = taints;
    else delete spec.taints;
    const before = JSON.stringify(server.store.get(TYPES.nodes, undefined, name));
    const written = server.write(TYPES.nodes, { ...node, spec, status });
    const changed = JSON.stringify(written) !== before;
    if (
      changed &&
      prev.find((c) => c.type === "Ready")?.status !== conditions.find((c) => c.type === "Ready")?.status
    ) {
      const ready = conditions.find((c) => c.type === "Ready")?.status === "True";
      server.events.record({
        involved: written,
        type: ready ? "Normal" : "Warning",
        reason: ready ? "NodeReady" : "NodeNotReady",
        message: `Node ${name} status is now: ${ready ? "NodeReady" : "NodeNotReady"}`,
        component: "kubelet",
        host: name,
      });
    }
    return changed;
  }

  /** Runs, updates or finishes one pod bound to a simulated node. */
  reconcilePod(namespace: string, name: string): void {
    const server = this.#server;
    const pod = server.store.get(TYPES.pods, namespace, name) as (KubeObject & Any) | undefined;
    if (!pod) {
      this.#jobPods.delete(`${namespace}/${name}`);
      this.#faults.podFaults.delete(`${namespace}/${name}`);
      return;
    }
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName || pod.metadata.annotations?.[EXTERNAL_ANNOTATION] === "true") return;
    const nodeEntry = server.store.entry(TYPES.nodes, undefined, nodeName);
    if (!nodeEntry || isExternalNode(nodeEntry)) return;
    if (pod.metadata.deletionTimestamp) {
      this.#jobPods.delete(`${namespace}/${name}`);
      server.remove(TYPES.pods, namespace, name, { gracePeriodSeconds: 0 });
      return;
    }
    const phase: string = pod.status?.phase ?? "Pending";
    if (phase === "Succeeded" || phase === "Failed") return;
    const node = JSON.parse(nodeEntry.raw.toString("utf8")) as Any;
    const nodeReady =
      ((node.status?.conditions ?? []) as Any[]).find((c) => c.type === "Ready")?.status === "True";
    const wasRunning = phase === "Running";
    if (!nodeReady && !wasRunning) return;
    const now = server.clock();
    const ts = timestamp(now);
    const status: Any = { ...(pod.status ?? {}) };
    const faults = this.#faults.podFaults.get(`${namespace}/${name}`);
    const previous = new Map<string, Any>(
      ((status.containerStatuses ?? []) as Any[]).map((c) => [c.name, c]),
    );
    const jobPod = (pod.spec?.restartPolicy ?? "Always") !== "Always";
    const jobDue = jobPod && (this.#jobPods.get(`${namespace}/${name}`) ?? Number.POSITIVE_INFINITY) <= now;
    const statuses: Any[] = ((pod.spec?.containers ?? []) as Any[]).map((c): Any => {
      const old = previous.get(c.name);
      const fault: ContainerFault | undefined = faults?.get(c.name);
      const failingImage = this.#options.failingImagePattern?.test(String(c.image)) === true;
      const base: Any = {
        name: c.name,
        image: c.image,
        imageID: old?.imageID ?? imageId(String(c.image)),
        restartCount: old?.restartCount ?? 0,
      };
      if ((fault?.kind === "ImagePullBackOff" || failingImage) && !old?.containerID) {
        const reason =
          old?.state?.waiting?.reason === "ErrImagePull" || old?.state?.waiting?.reason === "ImagePullBackOff"
            ? "ImagePullBackOff"
            : "ErrImagePull";
        if (reason === "ErrImagePull")
          server.events.record({
            involved: pod,
            type: "Warning",
            reason: "Failed",
            message: `Failed to pull image "${c.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found`,
            component: "kubelet",
            host: nodeName,
          });
        else
          server.events.record({
            involved: pod,
            type: "Normal",
            reason: "BackOff",
            message: `Back-off pulling image "${c.image}"`,
            component: "kubelet",
            host: nodeName,
          });
        return {
          ...base,
          imageID: "",
          ready: false,
          started: false,
          state: {
            waiting: {
              reason,
              message:
                reason === "ErrImagePull"
                  ? `failed to pull and unpack image "${c.image}": not found`
                  : `Back-off pulling image "${c.image}"`,
            },
          },
          lastState: {},
        };
      }
      const id: string = old?.containerID ?? containerId();
      if (jobDue && !fault) {
        return {
          ...base,
          containerID: id,
          ready: false,
          started: false,
          state: {
            terminated: {
              exitCode: 0,
              reason: "Completed",
              startedAt: old?.state?.running?.startedAt ?? ts,
              finishedAt: ts,
              containerID: id,
            },
          },
          lastState: old?.lastState ?? {},
        };
      }
      if (fault?.kind === "CrashLoopBackOff") {
        const restarts = fault.pendingRestarts;
        fault.pendingRestarts = 0;
        const lastState =
          restarts > 0 || !old?.lastState?.terminated
            ? {
                terminated: {
                  exitCode: fault.exitCode,
                  reason: "Error",
                  startedAt: old?.state?.running?.startedAt ?? old?.lastState?.terminated?.finishedAt ?? ts,
                  finishedAt: ts,
                  containerID: id,
                },
              }
            : old.lastState;
        if (restarts > 0)
          server.events.record({
            involved: pod,
            type: "Warning",
            reason: "BackOff",
            message: `Back-off restarting failed container ${c.name} in pod ${name}_${namespace}(${pod.metadata.uid})`,
            component: "kubelet",
            host: nodeName,
          });
        return {
          ...base,
          containerID: id,
          restartCount: base.restartCount + restarts,
          ready: false,
          started: false,
          state: {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off 10s restarting failed container=${c.name} pod=${name}_${namespace}(${pod.metadata.uid})`,
            },
          },
          lastState,
        };
      }
      if (fault?.kind === "OOMKilled" && !fault.applied) {
        fault.applied = true;
        const newId = containerId();
        return {
          ...base,
          containerID: newId,
          restartCount: base.restartCount + 1,
          ready: nodeReady,
          started: true,
          state: { running: { startedAt: ts } },
          lastState: {
            terminated: {
              exitCode: 137,
              reason: "OOMKilled",
              startedAt: old?.state?.running?.startedAt ?? ts,
              finishedAt: ts,
              containerID: id,
            },
          },
        };
      }
      const running = old?.state?.running as Any | undefined;
      if (!running)
        server.events.record({
          involved: pod,
          type: "Normal",
          reason: "Started",
          message: `Started container ${c.name}`,
          component: "kubelet",
          host: nodeName,
        });
      return {
        ...base,
        containerID: id,
        ready: true,
        started: true,
        state: { running: { startedAt: running?.startedAt ?? ts } },
        lastState: old?.lastState ?? {},
      };
    });
    const allTerminated = statuses.length > 0 && statuses.every((s) => s.state.terminated);
    const anyStarted = statuses.some((s) => s.containerID);
    const containersReady = statuses.length > 0 && statuses.every((s) => s.ready);
    const podReady = containersReady && nodeReady && !allTerminated;
    const prevConds: Any[] = status.conditions ?? [];
    const cond = (type: string, value: boolean, reason?: string, message?: string): Any => {
      const v = value ? "True" : "False";
      const old = prevConds.find((c) => c.type === type);
      return {
        type,
        status: v,
        lastProbeTime: null,
        lastTransitionTime: old?.status === v ? old.lastTransitionTime : ts,
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
      };
    };
    const notReadyNames = statuses.filter((s) => !s.ready).map((s) => s.name);
    const notReadyMessage =
      notReadyNames.length > 0 ? `containers with unready status: [${notReadyNames.join(" ")}]` : undefined;
    status.conditions = [
      cond("PodReadyToStartContainers", true),
      cond("Initialized", true),
      cond(
        "Ready",
        podReady,
        podReady ? undefined : allTerminated ? "PodCompleted" : "ContainersNotReady",
        podReady ? undefined : notReadyMessage,
      ),
      cond(
        "ContainersReady",
        containersReady && !allTerminated,
        containersReady ? undefined : allTerminated ? "PodCompleted" : "ContainersNotReady",
        containersReady ? undefined : notReadyMessage,
      ),
      cond("PodScheduled", true),
    ];
    status.phase = allTerminated ? "Succeeded" : anyStarted ? "Running" : "Pending";
    const hostIp = ((node.status?.addresses ?? []) as Any[]).find((a) => a.type === "InternalIP")?.address;
    if (hostIp) {
      status.hostIP = hostIp;
      status.hostIPs = [{ ip: hostIp }];
    }
    if (!status.podIP && !pod.spec?.hostNetwork) {
      const ip = this.#allocatePodIp(node, nodeName);
      if (ip) {
        status.podIP = ip;
        status.podIPs = [{ ip }];
      }
    } else if (pod.spec?.hostNetwork && hostIp) {
      status.podIP = hostIp;
      status.podIPs = [{ ip: hostIp }];
    }
    status.startTime ??= ts;
    status.containerStatuses = statuses;
    if (jobPod && status.phase === "Running" && !this.#jobPods.has(`${namespace}/${name}`)) {
      this.#jobPods.set(`${namespace}/${name}`, now + this.#options.jobPodRunMs);
    }
    if (allTerminated) this.#jobPods.delete(`${namespace}/${name}`);
    server.write(TYPES.pods, { ...pod, status });
  }

  #allocatePodIp(node: Any, nodeName: string): string | undefined {
    const cidr: string | undefined = node.spec?.podCIDR;
    const m = cidr ? /^(\d+\.\d+\.\d+)\.0\/24$/.exec(cidr) : null;
    if (!m) return undefined;
    const used = new Set<string>();
    for (const e of this.#server.store.entries(TYPES.pods, { nodeName })) {
      const ip = (JSON.parse(e.raw.toString("utf8")) as Any).status?.podIP;
      if (ip) used.add(ip);
    }
    for (let host = 2; host < 255; host++) {
      const ip = `${m[1] as string}.${host}`;
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }
}
