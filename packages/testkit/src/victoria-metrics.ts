import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort } from "./free-port.js";
import { waitFor } from "./wait-for.js";

/** Where the Debian package installs the single-node binary. */
export const DEFAULT_VICTORIA_METRICS_BIN = "/usr/bin/victoria-metrics";

export interface VictoriaMetricsOptions {
  readonly binary?: string;
  readonly startTimeoutMs?: number;
  /** Extra command-line flags, e.g. `-retentionPeriod=1y`. */
  readonly extraArgs?: readonly string[];
}

export interface PromQLSample {
  readonly metric: Record<string, string>;
  readonly value: number;
  readonly timestampMs: number;
}

/**
 * A real single-node VictoriaMetrics for tests: a temporary data directory, a free loopback port,
 * ready when /health answers. `stop()` and `start()` again keep the port and the data (to test
 * outages); `dispose()` stops it and deletes the data.
 */
export class VictoriaMetricsProcess {
  readonly port: number;
  readonly dataDir: string;
  readonly #options: VictoriaMetricsOptions;
  #child: ChildProcess | undefined;
  #stderrTail = "";

  private constructor(port: number, dataDir: string, options: VictoriaMetricsOptions) {
    this.port = port;
    this.dataDir = dataDir;
    this.#options = options;
  }

  /** Starts a new instance; the caller must `dispose()` it. */
  static async launch(options: VictoriaMetricsOptions = {}): Promise<VictoriaMetricsProcess> {
    const dataDir = await mkdtemp(join(tmpdir(), "causeway-vm-"));
    const vm = new VictoriaMetricsProcess(await findFreePort(), dataDir, options);
    try {
      await vm.start();
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
    return vm;
  }

  /** Base URL, e.g. http://127.0.0.1:38123. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const binary = this.#options.binary ?? process.env.VICTORIA_METRICS_BIN ?? DEFAULT_VICTORIA_METRICS_BIN;
    const args = [
      `-storageDataPath=${this.dataDir}`,
      `-httpListenAddr=127.0.0.1:${this.port}`,
      "-retentionPeriod=100y",
      // Make freshly written samples visible to queries at once.
      "-search.latencyOffset=0s",
      "-search.disableCache",
      "-loggerLevel=ERROR",
      ...(this.#options.extraArgs ?? []),
    ];
    const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-4000);
    });
    const spawnError = new Promise<never>((_, reject) => {
      child.once("error", (error) => reject(new Error(`cannot start ${binary}: ${error.message}`)));
      child.once("exit", (code) => reject(new Error(`${binary} exited with ${code}: ${this.#stderrTail}`)));
    });
    spawnError.catch(() => undefined);
    await Promise.race([
      spawnError,
      waitFor(
        async () => {
          const res = await fetch(`${this.url}/health`);
          return res.ok && (await res.text()).trim() === "OK";
        },
        { timeoutMs: this.#options.startTimeoutMs ?? 20_000, what: "VictoriaMetrics /health" },
      ),
    ]);
  }

  /** Stops the process (SIGTERM, then SIGKILL after 10 s), keeping port and data for `start()`. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Makes everything written so far searchable. */
  async flush(): Promise<void> {
    const res = await fetch(`${this.url}/internal/force_flush`);
    if (!res.ok) throw new Error(`force_flush: HTTP ${res.status}`);
  }

  /** Writes Prometheus text-format samples through /api/v1/import/prometheus. */
  async importPrometheus(text: string): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/import/prometheus`, { method: "POST", body: text });
    if (!res.ok) throw new Error(`import: HTTP ${res.status}: ${await res.text()}`);
  }

  /**
   * Runs an instant PromQL query (after a flush) at `timeMs` (default: now, to the millisecond;
   * VictoriaMetrics' own default truncates to the second and misses samples written just now).
   */
  async query(promql: string, timeMs: number = Date.now()): Promise<PromQLSample[]> {
    await this.flush();
    const params = new URLSearchParams({ query: promql, nocache: "1", time: (timeMs / 1000).toFixed(3) });
    const res = await fetch(`${this.url}/api/v1/query?${params.toString()}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (!res.ok || body.status !== "success" || !body.data) {
      throw new Error(`query ${promql}: HTTP ${res.status}: ${body.error ?? "no data"}`);
    }
    if (body.data.resultType !== "vector")
      throw new Error(`query ${promql}: expected a vector, got ${body.data.resultType}`);
    return body.data.result.map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
      timestampMs: r.value[0] * 1000,
    }));
  }
}

/** Starts a real VictoriaMetrics; shorthand for `VictoriaMetricsProcess.launch`. */
export function startVictoriaMetrics(options?: VictoriaMetricsOptions): Promise<VictoriaMetricsProcess> {
  return VictoriaMetricsProcess.launch(options);
}
