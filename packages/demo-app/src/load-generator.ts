import { ROOT_CONTEXT, type Counter } from "@opentelemetry/api";
import { type Logger } from "@causeway/runtime";
import { LOAD_GENERATOR } from "./catalog.js";
import { type LoadGeneratorConfig } from "./config.js";
import { callDownstream } from "./downstream-client.js";
import { ServiceDirectory } from "./service-directory.js";
import { type Telemetry } from "./telemetry.js";

/** Outcomes so far, for logs and tests. */
export interface LoadStats {
  sent: number;
  ok: number;
  failed: number;
  /** Ticks skipped because `maxInFlight` requests were still open. */
  skipped: number;
}

/** Sends a steady stream of requests to the frontend, each the root of a trace. */
export class LoadGenerator {
  readonly stats: LoadStats = { sent: 0, ok: 0, failed: 0, skipped: 0 };
  readonly #config: Readonly<LoadGeneratorConfig>;
  readonly #telemetry: Telemetry;
  readonly #log: Logger;
  readonly #directory: ServiceDirectory;
  readonly #outcomes: Counter;
  #inFlight = 0;
  #timers: NodeJS.Timeout[] = [];

  constructor(options: { config: Readonly<LoadGeneratorConfig>; telemetry: Telemetry; log: Logger }) {
    this.#config = options.config;
    this.#telemetry = options.telemetry;
    this.#log = options.log;
    this.#directory = new ServiceDirectory(options.config.endpointsFile);
    this.#outcomes = options.telemetry.meter.createCounter("demo.loadgen.requests", {
      description: "Requests sent to the frontend, by outcome",
    });
  }

  async start(): Promise<void> {
    await this.#directory.refresh();
    this.#timers.push(setInterval(() => void this.#directory.refresh(), this.#config.pollIntervalMs));
    this.#timers.push(setInterval(() => this.#tick(), 1000 / this.#config.requestsPerSecond));
    this.#timers.push(
      setInterval(() => this.#log.info({ ...this.stats, inFlight: this.#inFlight }, "load"), 30_000),
    );
    this.#log.info({ requestsPerSecond: this.#config.requestsPerSecond }, "sending load");
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  #tick(): void {
    if (this.#inFlight >= this.#config.maxInFlight) {
      this.stats.skipped++;
      return;
    }
    this.#inFlight++;
    this.stats.sent++;
    void callDownstream({
      tracer: this.#telemetry.tracer,
      directory: this.#directory,
      namespace: this.#config.namespace,
      call: LOAD_GENERATOR.target,
      parent: ROOT_CONTEXT,
      timeoutMs: this.#config.callTimeoutMs,
    }).then((result) => {
      this.#inFlight--;
      if (result.ok) this.stats.ok++;
      else this.stats.failed++;
      this.#outcomes.add(1, { outcome: result.ok ? "ok" : "error" });
    });
  }
}
