import {
  BAD_RELEASE_TAG,
  DEMO_IMAGE_REPOSITORY,
  DEMO_IMAGE_TAG,
  writeFaultFlags,
  type FaultFlagsInput,
} from "@causeway/demo-app";
import { CausewayError, type Logger } from "@causeway/runtime";
import { type PodNetwork } from "../host/pod-network.js";
import { type KubeClient } from "../kube/kube-client.js";

/** The faults the local stack injects on command. */
export const FAULT_KINDS = ["oom", "cpu", "crash", "rollout", "loss"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What the user asked for; each kind has defaults aimed at a service of the demo shop. */
export interface FaultRequest {
  readonly service?: string;
  /** loss: the calling service (packets between it and `service` are lost). */
  readonly from?: string;
  /** loss: share of packets dropped, 1..100. */
  readonly percent?: number;
}

/** An injected fault, as `status` reports it. */
export interface ActiveFault {
  readonly kind: FaultKind;
  readonly service: string;
  readonly description: string;
  readonly sinceUnixMs: number;
}

const DEFAULT_SERVICE: Readonly<Record<FaultKind, string>> = {
  oom: "checkout",
  cpu: "payments",
  crash: "inventory",
  rollout: "payments",
  loss: "checkout",
};

/**
 * Injects and clears the demo's faults: a bounded memory leak ending in OOM kills, CPU demand over
 * the limit, a crash at start, a rollout of the bad release, and packet loss between two services
 * (nftables on the pods' bridge). Flags go to the file the demo services poll; the rollout goes
 * through the API like `kubectl set image`.
 */
export class FaultController {
  readonly #kube: KubeClient;
  readonly #network: PodNetwork | undefined;
  readonly #flagsFile: string;
  readonly #namespace: string;
  readonly #log: Logger;
  readonly #services: readonly string[];
  readonly #active = new Map<FaultKind, ActiveFault & { request: FaultRequest }>();
  /** Pod addresses by service, from the endpoints the stack last saw (loss rules follow restarts). */
  #addresses: Readonly<Record<string, readonly string[]>> = {};

  constructor(options: {
    kube: KubeClient;
    network: PodNetwork | undefined;
    flagsFile: string;
    namespace: string;
    services: readonly string[];
    log: Logger;
  }) {
    this.#kube = options.kube;
    this.#network = options.network;
    this.#flagsFile = options.flagsFile;
    this.#namespace = options.namespace;
    this.#services = options.services;
    this.#log = options.log;
  }

  active(): ActiveFault[] {
    return [...this.#active.values()].map(({ request: _request, ...fault }) => fault);
  }

  /** Writes an empty flags file (no faults) at start. */
  async reset(): Promise<void> {
    await writeFaultFlags(this.#flagsFile, {});
  }

  #service(kind: FaultKind, name: string | undefined): string {
    const service = name ?? DEFAULT_SERVICE[kind];
    if (!this.#services.includes(service))
      throw new CausewayError(
        "CW_BAD_REQUEST",
        `unknown service ${JSON.stringify(service)}; one of ${this.#services.join(", ")}`,
      );
    return service;
  }

  async inject(kind: FaultKind, request: FaultRequest = {}): Promise<ActiveFault> {
    if (!FAULT_KINDS.includes(kind))
      throw new CausewayError(
        "CW_NOT_FOUND",
        `unknown fault ${JSON.stringify(kind)}; one of ${FAULT_KINDS.join(", ")}`,
      );
    const service = this.#service(kind, request.service);
    let description: string;
    switch (kind) {
      case "oom":
        description = `${service} leaks 2 MiB per request up to 120 MiB, over its memory limit: OOM kills`;
        break;
      case "cpu":
        description = `${service} burns 15 ms of CPU per request, more than its CPU limit allows: throttling`;
        break;
      case "crash":
        description = `${service} exits 1.5 s after start (a bad configuration): CrashLoopBackOff`;
        break;
      case "rollout":
        await this.#setImage(service, BAD_RELEASE_TAG);
        description = `${service} rolled out to ${DEMO_IMAGE_REPOSITORY}:${BAD_RELEASE_TAG}, which answers 60% of requests with 500`;
        break;
      case "loss": {
        if (!this.#network)
          throw new CausewayError("CW_UNAVAILABLE", "packet loss needs pod network namespaces (run as root)");
        const from = this.#service(kind, request.from ?? "frontend");
        const percent = request.percent ?? 30;
        if (!(percent >= 1 && percent <= 100))
          throw new CausewayError("CW_BAD_REQUEST", "percent must be between 1 and 100");
        description = `${percent}% of packets between ${from} and ${service} are dropped`;
        break;
      }
    }
    this.#active.set(kind, { kind, service, description, sinceUnixMs: Date.now(), request });
    await this.#apply();
    this.#log.info({ fault: kind, service }, description);
    return this.active().find((f) => f.kind === kind) as ActiveFault;
  }

  /** Clears one fault, or every fault. Returns what was cleared. */
  async clear(kind?: FaultKind): Promise<ActiveFault[]> {
    const cleared = this.active().filter((f) => kind === undefined || f.kind === kind);
    for (const f of cleared) {
      this.#active.delete(f.kind);
      if (f.kind === "rollout") await this.#setImage(f.service, DEMO_IMAGE_TAG);
    }
    await this.#apply();
    if (cleared.length > 0) this.#log.info({ faults: cleared.map((f) => f.kind) }, "faults cleared");
    return cleared;
  }

  /** New pod addresses (pods restarted or rescheduled): the loss rule follows them. */
  async updateAddresses(addresses: Readonly<Record<string, readonly string[]>>): Promise<void> {
    this.#addresses = addresses;
    if (this.#active.has("loss")) await this.#applyLoss();
  }

  async #apply(): Promise<void> {
    const flags: FaultFlagsInput = {};
    const oom = this.#active.get("oom");
    if (oom) flags.memoryLeak = { service: oom.service };
    const cpu = this.#active.get("cpu");
    if (cpu) flags.cpuBurn = { service: cpu.service, msPerRequest: 15 };
    const crash = this.#active.get("crash");
    if (crash) flags.crash = { service: crash.service };
    await writeFaultFlags(this.#flagsFile, flags);
    await this.#applyLoss();
  }

  async #applyLoss(): Promise<void> {
    if (!this.#network) return;
    const loss = this.#active.get("loss");
    if (!loss) {
      await this.#network.setLoss([]);
      return;
    }
    const from = loss.request.from ?? "frontend";
    await this.#network.setLoss([
      {
        fromIps: this.#addresses[from] ?? [],
        toIps: this.#addresses[loss.service] ?? [],
        percent: loss.request.percent ?? 30,
      },
    ]);
  }

  async #setImage(service: string, tag: string): Promise<void> {
    await this.#kube.patch(
      `/apis/apps/v1/namespaces/${this.#namespace}/deployments/${service}`,
      {
        spec: {
          template: { spec: { containers: [{ name: "app", image: `${DEMO_IMAGE_REPOSITORY}:${tag}` }] } },
        },
      },
      "strategic",
    );
  }
}
