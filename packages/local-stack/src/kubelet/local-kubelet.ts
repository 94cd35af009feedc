import { readFileSync } from "node:fs";
import { cpus, networkInterfaces, release, totalmem } from "node:os";
import { type Logger } from "@causeway/runtime";
import { type CgroupHierarchies } from "../host/cgroups.js";
import { type PodNetwork } from "../host/pod-network.js";
import { KubeRequestError, type KubeClient, type KubeObject, type WatchEvent } from "../kube/kube-client.js";
import { type ContainerEvent } from "./container-runner.js";
import { type ImageStore } from "./image-store.js";
import { PodWorker } from "./pod-worker.js";
import { type RestartBackoffOptions } from "./restart-backoff.js";

/** Label of a node whose pods another program runs (kube-sim's simulated kubelet leaves it alone). */
export const EXTERNAL_NODE_LABEL = "kube-sim.causeway.dev/external";

export interface LocalKubeletOptions {
  readonly kube: KubeClient;
  readonly nodeName: string;
  /** Undefined in degraded mode (not root): no cgroups, no network namespaces. */
  readonly hierarchies: CgroupHierarchies | undefined;
  readonly network: PodNetwork | undefined;
  readonly podCidr: string;
  readonly cgroupRoot: string;
  readonly logDir: string;
  readonly images: ImageStore;
  readonly backoff: RestartBackoffOptions;
  readonly deadCgroupRetentionMs: number;
  /** Longest a pod's containers get between SIGTERM and SIGKILL here. */
  readonly maxGracePeriodMs: number;
  readonly log: Logger;
}

function hostIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * The kubelet of this machine's node in kube-sim: registers the node (marked external, so the
 * simulated kubelet leaves it alone), watches the pods bound to it, runs each as real processes in
 * real cgroups and network namespaces, and writes their status and events through the API.
 */
export class LocalKubelet {
  readonly #o: LocalKubeletOptions;
  readonly #log: Logger;
  readonly hostIp = hostIpv4();
  readonly #workers = new Map<string, PodWorker>();
  readonly #abort = new AbortController();
  readonly #statusQueue = new Set<PodWorker>();
  #writing = false;
  #watching: Promise<void> | undefined;
  readonly #loopback = new Set<string>();
  #stopped = false;

  constructor(options: LocalKubeletOptions) {
    this.#o = options;
    this.#log = options.log;
  }

  /** Every pod running here, by UID. */
  get workers(): ReadonlyMap<string, PodWorker> {
    return this.#workers;
  }

  /** Creates (or takes over) the node object and marks it Ready. */
  async registerNode(): Promise<void> {
    const kube = this.#o.kube;
    const name = this.#o.nodeName;
    const labels = {
      "kubernetes.io/hostname": name,
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": process.arch === "x64" ? "amd64" : process.arch,
      [EXTERNAL_NODE_LABEL]: "true",
    };
    const spec = { podCIDR: this.#o.podCidr, podCIDRs: [this.#o.podCidr] };
    const existing = await kube.find(`/api/v1/nodes/${name}`);
    if (existing) await kube.patch(`/api/v1/nodes/${name}`, { metadata: { labels }, spec });
    else
      await kube.post("/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec });
    const now = iso(Date.now());
    const capacity = {
      cpu: String(cpus().length),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: "110",
      "ephemeral-storage": "100Gi",
    };
    const condition = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    await kube.patch(`/api/v1/nodes/${name}/status`, {
      status: {
        capacity,
        allocatable: capacity,
        addresses: [
          { type: "InternalIP", address: this.hostIp },
          { type: "Hostname", address: name },
        ],
        conditions: [
          condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
          ),
          condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
          ),
          condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: "",
          systemUUID: "",
          bootID: "",
          kernelVersion: release(),
          osImage: osImage(),
          containerRuntimeVersion: "causeway-local://0.1.0",
          kubeletVersion: "v1.33.0-causeway-local",
          kubeProxyVersion: "",
          operatingSystem: "linux",
          architecture: labels["kubernetes.io/arch"],
        },
      },
    });
    this.#log.info({ node: name, podCidr: this.#o.podCidr }, "node registered");
  }

  /** Starts following the pods bound to this node. */
  start(): void {
    this.#watching = this.#followPods();
  }

  async #followPods(): Promise<void> {
    const kube = this.#o.kube;
    const path = `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.#o.nodeName}`)}`;
    let delayMs = 200;
    while (!this.#abort.signal.aborted) {
      try {
        const list = await kube.get(path);
        const seen = new Set<string>();
        for (const pod of (list.items ?? []) as KubeObject[]) {
          seen.add(String(pod.metadata.uid));
          this.#sync(pod);
        }
        for (const [uid, worker] of this.#workers) if (!seen.has(uid)) void this.#remove(worker);
        let resourceVersion = String(list.metadata?.resourceVersion ?? "");
        delayMs = 200;
        for (;;) {
          let gone = false;
          await kube.watch(
            path,
            resourceVersion,
            (event: WatchEvent) => {
              const rv = event.object?.metadata?.resourceVersion;
              if (rv) resourceVersion = String(rv);
              if (event.type === "ERROR") gone = true;
              else if (event.type === "ADDED" || event.type === "MODIFIED") this.#sync(event.object);
              else if (event.type === "DELETED") {
                const worker = this.#workers.get(String(event.object.metadata?.uid));
                if (worker) void this.#remove(worker);
              }
            },
            this.#abort.signal,
          );
          if (gone || this.#abort.signal.aborted) break;
        }
      } catch (error) {
        if (this.#abort.signal.aborted) break;
        this.#log.warn({ err: (error as Error).message, retryInMs: delayMs }, "pod watch failed");
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
  }

  #sync(pod: KubeObject): void {
    if (this.#stopped) return;
    const uid = String(pod.metadata?.uid);
    let worker = this.#workers.get(uid);
    if (!worker) {
      const phase = pod.status?.phase;
      if (pod.metadata?.deletionTimestamp) {
        // Bound here but never run (or run by a previous stack): finish the deletion.
        void this.#finishDeletion(pod);
        return;
      }
      if (phase === "Succeeded" || phase === "Failed") return;
      worker = new PodWorker(this.#context(), pod);
      this.#workers.set(uid, worker);
      this.#log.info(
        { pod: `${String(pod.metadata.namespace)}/${String(pod.metadata.name)}` },
        "starting pod",
      );
      worker.start().catch((error: Error) => {
        this.#log.error({ pod: pod.metadata.name, err: error.message }, "cannot start pod");
      });
      return;
    }
    worker.update(pod);
    if (pod.metadata?.deletionTimestamp && !worker.terminating) {
      const grace = pod.metadata.deletionGracePeriodSeconds;
      void worker
        .terminate(grace !== undefined ? Number(grace) * 1000 : undefined)
        .then(() => this.#finishDeletion(pod))
        .finally(() => this.#workers.delete(uid));
    }
  }

  async #remove(worker: PodWorker): Promise<void> {
    this.#workers.delete(worker.uid);
    await worker.terminate(0);
  }

  /** The kubelet's last word on a deleted pod: delete it with no grace period. */
  async #finishDeletion(pod: KubeObject): Promise<void> {
    const path = `/api/v1/namespaces/${String(pod.metadata.namespace)}/pods/${String(pod.metadata.name)}`;
    try {
      await this.#o.kube.delete(path, {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (error) {
      if (!(error instanceof KubeRequestError && error.status === 409))
        this.#log.warn({ pod: pod.metadata.name, err: (error as Error).message }, "cannot finish deletion");
    }
  }

  #context() {
    const o = this.#o;
    return {
      nodeName: o.nodeName,
      hostIp: this.hostIp,
      hierarchies: o.hierarchies,
      network: o.network,
      allocateLoopbackIp: () => {
        for (let i = 2; i < 250; i++) {
          const ip = `127.0.1.${i}`;
          if (!this.#loopback.has(ip)) {
            this.#loopback.add(ip);
            return ip;
          }
        }
        throw new Error("no loopback address left for a pod");
      },
      releaseLoopbackIp: (ip: string) => this.#loopback.delete(ip),
      cgroupRoot: o.cgroupRoot,
      logDir: o.logDir,
      images: o.images,
      backoff: o.backoff,
      deadCgroupRetentionMs: o.deadCgroupRetentionMs,
      maxGracePeriodMs: o.maxGracePeriodMs,
      log: this.#log,
      writeStatus: (worker: PodWorker) => this.#queueStatus(worker),
      recordEvent: (pod: KubeObject, event: ContainerEvent) => void this.#recordEvent(pod, event),
    };
  }

  #queueStatus(worker: PodWorker): void {
    this.#statusQueue.add(worker);
    if (!this.#writing) void this.#drainStatus();
  }

  /** Writes queued pod statuses one at a time; changes made meanwhile coalesce into the next write. */
  async #drainStatus(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#statusQueue.size > 0 && !this.#stopped) {
        const worker = this.#statusQueue.values().next().value as PodWorker;
        this.#statusQueue.delete(worker);
        if (worker.terminating && !this.#workers.has(worker.uid)) continue;
        const pod = worker.pod;
        const path = `/api/v1/namespaces/${String(pod.metadata.namespace)}/pods/${String(pod.metadata.name)}/status`;
        try {
          await this.#o.kube.patch(path, { status: worker.status() });
        } catch (error) {
          if (!(error instanceof KubeRequestError && error.status === 404))
            this.#log.warn(
              { pod: pod.metadata.name, err: (error as Error).message },
              "cannot write pod status",
            );
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #recordEvent(pod: KubeObject, event: ContainerEvent): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.#o.kube.post(`/api/v1/namespaces/${String(pod.metadata.namespace)}/events`, {
        apiVersion: "v1",
        kind: "Event",
        metadata: {
          generateName: `${String(pod.metadata.name)}.`,
          namespace: pod.metadata.namespace,
        },
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          name: pod.metadata.name,
          namespace: pod.metadata.namespace,
          uid: pod.metadata.uid,
        },
        reason: event.reason,
        message: event.message,
        type: event.type,
        source: { component: "kubelet", host: this.#o.nodeName },
        reportingComponent: "kubelet",
        reportingInstance: this.#o.nodeName,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (error) {
      this.#log.debug({ err: (error as Error).message }, "cannot record event");
    }
  }

  /** Stops watching and every pod: processes, cgroups and namespaces are gone when it resolves. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#watching?.catch(() => undefined);
    await Promise.all([...this.#workers.values()].map((w) => w.terminate()));
    this.#workers.clear();
  }
}
