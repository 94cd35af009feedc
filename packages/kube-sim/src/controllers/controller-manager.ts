import { silentLogger, type Logger } from "@causeway/runtime";
import { type KubeApiServer } from "../api-server.js";
import { FaultHooks } from "../faults/fault-hooks.js";
import { TYPES } from "../resources.js";
import { labelSelectorMatcher } from "../selectors.js";
import { type StoreEvent, type StoredEntry, parseEntry } from "../store.js";
import { allDaemonSets, reconcileDaemonSet } from "./daemonset-controller.js";
import { reconcileCronJob } from "./cronjob-controller.js";
import { reconcileDeployment } from "./deployment-controller.js";
import { reconcileHpa } from "./hpa-controller.js";
import { reconcileService } from "./endpointslice-controller.js";
import { reconcileJob } from "./job-controller.js";
import { SimulatedKubelet } from "./kubelet.js";
import { reconcileReplicaSet } from "./replicaset-controller.js";
import { Scheduler } from "./scheduler.js";
import { reconcileStatefulSet } from "./statefulset-controller.js";
import { WorkQueue } from "./work-queue.js";

/** Options of the controllers and the simulated kubelet; all optional. */
export interface ControllerManagerOptions {
  readonly log?: Logger;
  /** How often the kubelet advances crash loops and Job pods. Default 250 ms. */
  readonly kubeletTickMs?: number;
  /** Time between restarts of a crash-looping container. Default 10 s. */
  readonly crashLoopRestartMs?: number;
  /** How long a Job's pod runs before it succeeds. Default 1 s. */
  readonly jobPodRunMs?: number;
  /** Images matching this fail to pull. Default: images whose name or tag contains `does-not-exist`. */
  readonly failingImagePattern?: RegExp;
}

type Owner = { kind: string; name: string };
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

const ownerOf = (e: StoredEntry | undefined): Owner | undefined => {
  if (!e?.ownerUids) return undefined;
  const refs = (parseEntry(e).metadata.ownerReferences ?? []) as {
    kind: string;
    name: string;
    controller?: boolean;
  }[];
  return refs.find((r) => r.controller === true);
};

/**
 * Runs the controllers the suite relies on (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
 * CronJob, EndpointSlice, a metric-less HorizontalPodAutoscaler, default ServiceAccounts), the scheduler and the simulated kubelet, driven by store changes through one
 * de-duplicating work queue, plus the fault hooks.
 */
export class ControllerManager {
  readonly faults: FaultHooks;
  readonly kubelet: SimulatedKubelet;
  readonly #server: KubeApiServer;
  readonly #queue: WorkQueue;
  readonly #scheduler: Scheduler;
  readonly #log: Logger;
  readonly #tickMs: number;
  /** Service selectors per namespace, to map pod changes to services. */
  readonly #services = new Map<
    string,
    Map<string, (l: Readonly<Record<string, string>> | undefined) => boolean>
  >();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #suspended = 0;
  #lastCronCheck = 0;

  constructor(server: KubeApiServer, options: ControllerManagerOptions = {}) {
    this.#server = server;
    this.#log = options.log ?? silentLogger();
    this.#tickMs = options.kubeletTickMs ?? 250;
    this.faults = new FaultHooks(server.clock, options.crashLoopRestartMs ?? 10_000);
    this.kubelet = new SimulatedKubelet(server, this.faults, {
      jobPodRunMs: options.jobPodRunMs ?? 1000,
      failingImagePattern: options.failingImagePattern ?? /does-not-exist/,
    });
    this.#scheduler = new Scheduler(server);
    this.#queue = new WorkQueue(
      (key) => this.#process(key),
      (key, error) => this.#log.warn({ key, err: error }, "reconcile failed"),
    );
    this.faults.onChange = (target) => {
      if ("node" in target) {
        this.#queue.add(`node|${target.node}`);
        return undefined;
      }
      this.#queue.add(`kubelet|${target.namespace}|${target.pod}`);
      const pod = server.store.get(TYPES.pods, target.namespace, target.pod) as Any | undefined;
      return pod?.spec?.containers?.[0]?.name as string | undefined;
    };
  }

  /** Subscribes to the store and reconciles everything already stored. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#server.store.onChange((e) => {
      if (this.#suspended === 0) this.#onEvent(e);
    });
    this.#queue.start();
    this.resyncAll();
    this.#timer = setInterval(() => this.#tick(), this.#tickMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#queue.stop();
    clearInterval(this.#timer);
  }

  /** Keys waiting to be reconciled (0 when the simulated cluster has settled). */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Runs `fn` without reacting to the changes it makes (the cluster generator writes a state that
   * is already reconciled).
   */
  suspend<T>(fn: () => T): T {
    this.#suspended++;
    try {
      return fn();
    } finally {
      this.#suspended--;
    }
  }

  /** Queues every workload, service, node and pod for a reconcile. */
  resyncAll(): void {
    const s = this.#server.store;
    const add = (prefix: string, e: StoredEntry) => this.#queue.add(`${prefix}|${e.namespace}|${e.name}`);
    for (const e of s.entries(TYPES.services)) {
      this.#trackService(e);
      add("svc", e);
    }
    for (const e of s.entries(TYPES.nodes)) this.#queue.add(`node|${e.name}`);
    for (const e of s.entries(TYPES.namespaces)) this.#queue.add(`ns|${e.name}`);
    for (const e of s.entries(TYPES.deployments)) add("deploy", e);
    for (const e of s.entries(TYPES.replicaSets)) add("rs", e);
    for (const e of s.entries(TYPES.statefulSets)) add("sts", e);
    for (const e of s.entries(TYPES.daemonSets)) add("ds", e);
    for (const e of s.entries(TYPES.jobs)) add("job", e);
    for (const e of s.entries(TYPES.hpas)) add("hpa", e);
    for (const e of s.entries(TYPES.pods)) add(e.fields["spec.nodeName"] ? "kubelet" : "sched", e);
  }

  #tick(): void {
    // Schedules are minute-grained; looking once a second is plenty.
    const now = this.#server.clock();
    if (now - this.#lastCronCheck >= 1000) {
      this.#lastCronCheck = now;
      for (const e of this.#server.store.entries(TYPES.cronJobs))
        this.#queue.add(`cron|${e.namespace}|${e.name}`);
    }
    for (const p of this.faults.tick()) this.#queue.add(`kubelet|${p.namespace}|${p.pod}`);
    for (const p of this.kubelet.dueJobPods()) this.#queue.add(`kubelet|${p.namespace}|${p.pod}`);
  }

  #trackService(e: StoredEntry, deleted = false): void {
    let m = this.#services.get(e.namespace);
    if (!m) this.#services.set(e.namespace, (m = new Map()));
    const selector = (parseEntry(e).spec as Any | undefined)?.selector as Record<string, string> | undefined;
    if (deleted || !selector) m.delete(e.name);
    else m.set(e.name, labelSelectorMatcher({ matchLabels: selector }));
  }

  /** Target changes concern the namespace's HPAs (few per namespace). */
  #hpasIn(namespace: string): void {
    for (const h of this.#server.store.entries(TYPES.hpas, { namespace }))
      this.#queue.add(`hpa|${h.namespace}|${h.name}`);
  }

  #onEvent(e: StoreEvent): void {
    const q = this.#queue;
    const key = (prefix: string, ns = e.entry.namespace, name = e.entry.name) =>
      q.add(`${prefix}|${ns}|${name}`);
    switch (e.type) {
      case TYPES.namespaces:
        if (e.eventType === "ADDED") q.add(`ns|${e.entry.name}`);
        break;
      case TYPES.deployments:
        key("deploy");
        this.#hpasIn(e.entry.namespace);
        break;
      case TYPES.hpas:
        key("hpa");
        break;
      case TYPES.replicaSets: {
        key("rs");
        const owner = ownerOf(e.entry) ?? ownerOf(e.prev);
        if (owner?.kind === "Deployment") key("deploy", e.entry.namespace, owner.name);
        break;
      }
      case TYPES.statefulSets:
        key("sts");
        this.#hpasIn(e.entry.namespace);
        break;
      case TYPES.daemonSets:
        key("ds");
        break;
      case TYPES.jobs: {
        key("job");
        const owner = ownerOf(e.entry) ?? ownerOf(e.prev);
        if (owner?.kind === "CronJob") key("cron", e.entry.namespace, owner.name);
        break;
      }
      case TYPES.cronJobs:
        if (e.eventType !== "DELETED") key("cron");
        break;
      case TYPES.services:
        this.#trackService(e.entry, e.eventType === "DELETED");
        if (e.eventType !== "DELETED") key("svc");
        break;
      case TYPES.endpointSlices: {
        const svc = e.entry.labels?.["kubernetes.io/service-name"];
        if (
          svc &&
          e.entry.labels?.["endpointslice.kubernetes.io/managed-by"] === "endpointslice-controller.k8s.io"
        )
          key("svc", e.entry.namespace, svc);
        break;
      }
      case TYPES.nodes: {
        q.add(`node|${e.entry.name}`);
        for (const ds of allDaemonSets(this.#server)) q.add(`ds|${ds.replace("/", "|")}`);
        for (const p of this.#server.store.entries(TYPES.pods, { nodeName: "" }))
          key("sched", p.namespace, p.name);
        const readiness = (x: StoredEntry | undefined) =>
          x
            ? JSON.stringify(
                ((parseEntry(x).status as Any | undefined)?.conditions ?? []).map((c: Any) => [
                  c.type,
                  c.status,
                ]),
              )
            : "";
        if (e.eventType === "MODIFIED" && readiness(e.prev) !== readiness(e.entry)) {
          for (const p of this.#server.store.entries(TYPES.pods, { nodeName: e.entry.name }))
            key("kubelet", p.namespace, p.name);
        }
        break;
      }
      case TYPES.pods: {
        const owner = ownerOf(e.entry) ?? ownerOf(e.prev);
        const kinds: Record<string, string> = {
          ReplicaSet: "rs",
          StatefulSet: "sts",
          DaemonSet: "ds",
          Job: "job",
        };
        if (owner && kinds[owner.kind]) key(kinds[owner.kind] as string, e.entry.namespace, owner.name);
        if (e.eventType !== "DELETED") key(e.entry.fields["spec.nodeName"] ? "kubelet" : "sched");
        for (const [svc, matches] of this.#services.get(e.entry.namespace) ?? []) {
          if (matches(e.entry.labels) || (e.prev && matches(e.prev.labels)))
            key("svc", e.entry.namespace, svc);
        }
        break;
      }
      default:
        break;
    }
  }

  #process(key: string): void {
    const [kind, a, b] = key.split("|") as [string, string, string | undefined];
    const server = this.#server;
    switch (kind) {
      case "deploy":
        return reconcileDeployment(server, a, b as string);
      case "rs":
        return reconcileReplicaSet(server, a, b as string);
      case "sts":
        return reconcileStatefulSet(server, a, b as string);
      case "ds":
        return reconcileDaemonSet(server, a, b as string);
      case "job":
        return reconcileJob(server, a, b as string);
      case "svc":
        return reconcileService(server, a, b as string);
      case "hpa":
        return reconcileHpa(server, a, b as string);
      case "cron":
        return reconcileCronJob(server, a, b as string);
      case "sched":
        return this.#scheduler.schedule(a, b as string);
      case "kubelet":
        return this.kubelet.reconcilePod(a, b as string);
      case "node":
        this.kubelet.reconcileNode(a);
        return;
      case "ns":
        // The ServiceAccount controller gives every namespace a "default" account.
        if (
          server.store.entry(TYPES.namespaces, undefined, a) &&
          !server.store.entry(TYPES.serviceAccounts, a, "default")
        )
          server.create(
            TYPES.serviceAccounts,
            { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } },
            a,
          );
        return;
      default:
        return;
    }
  }
}
