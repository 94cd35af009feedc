import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import {
  ROOT_CONTEXT,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  trace,
  type Counter,
  type Histogram,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { type Logger } from "@causeway/runtime";
import { type ShopServiceSpec } from "./catalog.js";
import { type DemoServiceConfig } from "./config.js";
import { callDownstream } from "./downstream-client.js";
import { readFaultFlags, type FaultFlags } from "./fault-flags.js";
import { LeakyCache, burnCpu } from "./memory-leak.js";
import { releaseBehaviour } from "./releases.js";
import { ServiceDirectory } from "./service-directory.js";
import { type Telemetry } from "./telemetry.js";

const propagator = new W3CTraceContextPropagator();

/**
 * One demo shop service: serves its route, calls its downstream services for every request, and
 * misbehaves as the fault flags and its release say (leaks memory, burns CPU, crashes at start,
 * answers 500).
 */
export class ShopService {
  readonly #spec: ShopServiceSpec;
  readonly #config: Readonly<DemoServiceConfig>;
  readonly #telemetry: Telemetry;
  readonly #log: Logger;
  readonly #directory: ServiceDirectory;
  readonly #cache = new LeakyCache();
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #random: () => number;
  readonly #exit: (code: number) => void;
  #flags: FaultFlags = {};
  #server: Server | undefined;
  #poll: NodeJS.Timeout | undefined;
  #crashTimer: NodeJS.Timeout | undefined;

  constructor(options: {
    readonly spec: ShopServiceSpec;
    readonly config: Readonly<DemoServiceConfig>;
    readonly telemetry: Telemetry;
    readonly log: Logger;
    /** Injected for tests; the process exits by default. */
    readonly exit?: (code: number) => void;
    readonly random?: () => number;
  }) {
    this.#spec = options.spec;
    this.#config = options.config;
    this.#telemetry = options.telemetry;
    this.#log = options.log;
    this.#directory = new ServiceDirectory(options.config.endpointsFile);
    this.#random = options.random ?? Math.random;
    this.#exit = options.exit ?? ((code) => process.exit(code));
    this.#requests = options.telemetry.meter.createCounter("demo.requests", {
      description: "Requests served, by outcome",
    });
    this.#duration = options.telemetry.meter.createHistogram("http.server.request.duration", {
      unit: "s",
      description: "Duration of served requests",
    });
    options.telemetry.meter
      .createObservableGauge("demo.cache.size", { unit: "By", description: "Bytes the cache retains" })
      .addCallback((r) => r.observe(this.#cache.bytes));
  }

  /** Bytes retained by the memory-leak fault so far. */
  get leakedBytes(): number {
    return this.#cache.bytes;
  }

  /** Starts serving; resolves with the bound port. */
  async start(): Promise<number> {
    await this.#refresh();
    this.#poll = setInterval(() => void this.#refresh(), this.#config.pollIntervalMs);
    this.#poll.unref();
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 5000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#config.port, this.#config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.#log.info({ port, version: this.#config.version }, "serving");
    return port;
  }

  async stop(): Promise<void> {
    clearInterval(this.#poll);
    clearTimeout(this.#crashTimer);
    const server = this.#server;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  async #refresh(): Promise<void> {
    await this.#directory.refresh();
    this.#flags = await readFaultFlags(this.#config.faultsFile);
    const crash = this.#flags.crash;
    if (crash?.service === this.#spec.name && !this.#crashTimer) {
      // A bad configuration read at start-up: the process dies shortly after starting, every time.
      this.#crashTimer = setTimeout(() => {
        const message = `fatal: cannot load /etc/${this.#spec.name}/config.yaml: missing key "database.url"`;
        this.#log.error({ exitCode: crash.exitCode }, message);
        this.#telemetry.logger.emit({
          severityNumber: SeverityNumber.FATAL,
          severityText: "FATAL",
          body: message,
        });
        void this.#telemetry.shutdown().finally(() => this.#exit(crash.exitCode));
      }, crash.afterMs);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const spec = this.#spec;
    const started = performance.now();
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    const route = `${req.method ?? "GET"} ${(req.url ?? "/").split("?")[0] ?? "/"}`;
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, {
      get: (carrier, key) => carrier[key] as string | undefined,
      keys: (carrier) => Object.keys(carrier),
    });
    const span = this.#telemetry.tracer.startSpan(
      route,
      {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": req.method ?? "GET", "url.path": req.url ?? "/" },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    let status = 200;
    let error: string | undefined;
    try {
      if (route !== `${spec.method} ${spec.path}`) {
        status = 404;
        error = `no route ${route}`;
      } else {
        const leak = this.#flags.memoryLeak;
        if (leak?.service === spec.name) this.#cache.retain(leak.bytesPerRequest, leak.maxBytes);
        const cpu = this.#flags.cpuBurn;
        if (cpu?.service === spec.name) burnCpu(cpu.msPerRequest);
        await new Promise((r) => setTimeout(r, spec.latencyMs));
        const release = releaseBehaviour(this.#config.version);
        if (release.errorRatio > 0 && this.#random() < release.errorRatio) {
          status = 500;
          error = release.errorMessage;
        }
        for (const call of status === 200 ? spec.calls : []) {
          const result = await callDownstream({
            tracer: this.#telemetry.tracer,
            directory: this.#directory,
            namespace: this.#config.namespace,
            call,
            parent: ctx,
            timeoutMs: this.#config.callTimeoutMs,
          });
          if (!result.ok) {
            status = 502;
            error = `${call.service}: ${result.error ?? `HTTP ${result.status}`}`;
            break;
          }
        }
      }
    } catch (e) {
      status = 500;
      error = (e as Error).message;
    }
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? `HTTP ${status}` });
    span.end();
    if (status >= 500) {
      this.#telemetry.logger.emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: "ERROR",
        body: `${route} failed: ${error ?? status}`,
        context: ctx,
      });
    }
    const seconds = (performance.now() - started) / 1000;
    this.#requests.add(1, { "http.response.status_code": status });
    this.#duration.record(seconds, { "http.route": spec.path, "http.response.status_code": status });
    res
      .writeHead(status, { "content-type": "application/json" })
      .end(JSON.stringify(status < 400 ? { ok: true } : { error: { message: error ?? `HTTP ${status}` } }));
  }
}
