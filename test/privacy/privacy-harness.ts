import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@causeway/testkit";
import {
  FileTenantStore,
  UpstreamReceiver,
  generateSelfSignedCertificate,
  sha256Hex,
  type CertificateAndKey,
} from "@causeway/upstream";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** The files under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, "utf8");
  return filesUnder(dir).filter((f) => readFileSync(f).includes(bytes));
}

export interface Tenant {
  readonly tenantId: string;
  readonly token: string;
}

/** A reference receiver that can be stopped and started again on the same port and store. */
export class ReceiverHandle {
  readonly tls: CertificateAndKey;
  readonly caFile: string;
  readonly frames: { tenantId: string; raw: Buffer }[] = [];
  readonly #storeDir: string;
  readonly #tenants: readonly Tenant[];
  #port = 0;
  receiver: UpstreamReceiver | undefined;

  constructor(workDir: string, tenants: readonly Tenant[]) {
    this.tls = generateSelfSignedCertificate();
    this.caFile = join(workDir, "ca.pem");
    writeFileSync(this.caFile, this.tls.cert);
    this.#storeDir = join(workDir, "receiver-store");
    this.#tenants = tenants;
  }

  get url(): string {
    return `wss://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<UpstreamReceiver> {
    this.receiver = await UpstreamReceiver.start({
      tls: this.tls,
      port: this.#port,
      tenants: this.#tenants.map((t) => ({ tenantId: t.tenantId, tokenSha256: sha256Hex(t.token) })),
      store: new FileTenantStore(this.#storeDir),
      onFrame: (tenantId, raw) => this.frames.push({ tenantId, raw: Buffer.from(raw) }),
    });
    this.#port = this.receiver.port;
    return this.receiver;
  }

  async stop(): Promise<void> {
    await this.receiver?.close();
    this.receiver = undefined;
  }
}

/** The last STATUS line a forwarder child printed, as numbers. */
export type ChildStatus = Record<string, number>;

/** A forwarder child process (test/privacy/forwarder-child.ts). */
export class ForwarderChild {
  readonly process: ChildProcess;
  status: ChildStatus = {};
  offered = false;
  #stderr = "";

  constructor(plan: Record<string, unknown>) {
    this.process = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", join(here, "forwarder-child.ts"), JSON.stringify(plan)],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let buffer = "";
    this.process.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("OFFERED")) this.offered = true;
        if (line.startsWith("STATUS ")) {
          this.status = Object.fromEntries(
            line
              .slice(7)
              .split(" ")
              .map((kv) => kv.split("="))
              .map(([k, v]) => [k as string, Number(v)]),
          );
        }
      }
    });
    this.process.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
  }

  async until(what: string, predicate: (s: ChildStatus) => boolean, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (this.process.exitCode !== null)
          throw new Error(`child exited ${this.process.exitCode}: ${this.#stderr}`);
        return this.offered && predicate(this.status);
      },
      { what, timeoutMs },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; child stderr: ${this.#stderr}`);
    });
  }

  /** Kills the child without letting it clean up (a crash), and waits for it to be gone. */
  async crash(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGTERM");
    await exited;
  }
}

/** The mediator CLI (`causeway-mediator`, from source) as a child process that can be crashed. */
export class MediatorChild {
  readonly process: ChildProcess;
  grpcPort = 0;
  httpPort = 0;
  #output = "";

  constructor(args: readonly string[], env: Readonly<Record<string, string>>) {
    this.process = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        join(repoRoot, "packages/mediator/src/cli/main.ts"),
        ...args,
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
    );
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-100_000);
    };
    this.process.stdout?.on("data", keep);
    this.process.stderr?.on("data", keep);
  }

  /** The log's tail, for failure messages. */
  get output(): string {
    return this.#output.slice(-4000);
  }

  /** Waits for "mediator listening" and reads the ports it logged. */
  async listening(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (this.process.exitCode !== null)
          throw new Error(`the mediator exited ${this.process.exitCode}: ${this.output}`);
        const line = this.#output.split("\n").find((l) => l.includes('"msg":"mediator listening"'));
        if (!line) return undefined;
        const parsed = JSON.parse(line) as { grpc: number; http: number };
        this.grpcPort = parsed.grpc;
        this.httpPort = parsed.http;
        return true;
      },
      { what: "the mediator listening", timeoutMs },
    );
  }

  /** The sum of every sample of `name` on /metrics whose labels contain `labels`. */
  async metric(name: string, labels = ""): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`)).text();
    let total = 0;
    for (const line of text.split("\n")) {
      const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m && m[1] === name && (m[2] ?? "").includes(labels)) total += Number(m[3]);
    }
    return total;
  }

  /** SIGKILL: no clean-up at all. */
  async crash(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGKILL");
    await exited;
  }

  /** SIGTERM: a clean stop; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.process.exitCode;
    const exited = new Promise<number | null>((resolve) =>
      this.process.once("exit", (code) => resolve(code)),
    );
    this.process.kill("SIGTERM");
    return exited;
  }
}
