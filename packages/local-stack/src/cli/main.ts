#!/usr/bin/env node
// causeway-local-stack: the README's main command. `start` (the default) runs the whole suite on
// this machine until Ctrl-C; `fault ...` and `status` talk to the running stack's control endpoint.
import { join, resolve } from "node:path";
import { ConfigError, createLogger, parseFlags } from "@causeway/runtime";
import { loadLocalStackConfig } from "../config.js";
import { FAULT_KINDS } from "../faults/fault-controller.js";
import { approverTokenCommand, runningControlUrl, startLocalStack, type StackStatus } from "../stack.js";

const [first, ...rest] = process.argv.slice(2);
const command = first === undefined || first.startsWith("--") ? "start" : first;
const argv = command === "start" && first !== "start" ? process.argv.slice(2) : rest;

const USAGE = `usage:
  causeway-local-stack [start] [--flag=value ...]     run the suite until Ctrl-C (flags: packages/local-stack/src/config.ts)
  causeway-local-stack fault <${FAULT_KINDS.join("|")}> [--service=NAME] [--from=NAME] [--percent=N]
  causeway-local-stack fault clear [KIND]
  causeway-local-stack status`;

async function controlUrl(flags: Record<string, unknown>): Promise<string> {
  const dataDir = resolve(String(flags.dataDir ?? process.env.CAUSEWAY_DATA_DIR ?? ".local/data"));
  const url = await runningControlUrl(dataDir);
  if (!url) {
    console.error(`no local stack is running with ${dataDir} (start it with: bash scripts/start.sh)`);
    process.exit(1);
  }
  return url;
}

async function call(method: string, url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined
      ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
      : {}),
  });
  const json = (await res.json()) as { error?: { message: string } };
  if (!res.ok) {
    console.error(`error: ${json.error?.message ?? `HTTP ${res.status}`}`);
    process.exit(1);
  }
  return json;
}

function printStatus(s: StackStatus): void {
  console.log(`mode: ${s.mode}${s.missing.length ? ` (${s.missing.join("; ")})` : ""}`);
  for (const p of s.pods)
    console.log(
      `  ${p.ready ? "ready    " : "not ready"}  ${p.name.padEnd(34)} ${p.ip.padEnd(14)} restarts ${p.restarts}`,
    );
  console.log(
    s.faults.length
      ? s.faults.map((f) => `fault ${f.kind}: ${f.description}`).join("\n")
      : "no faults injected",
  );
}

if (command === "fault") {
  const [kind, ...flagArgs] = rest;
  const flags = parseFlags(flagArgs.filter((a) => a.startsWith("--")));
  const base = await controlUrl(flags);
  if (kind === "clear") {
    const target = flagArgs.find((a) => !a.startsWith("--"));
    const r = (await call("DELETE", `${base}/faults${target ? `/${target}` : ""}`)) as {
      cleared: { kind: string }[];
    };
    console.log(
      r.cleared.length ? `cleared: ${r.cleared.map((f) => f.kind).join(", ")}` : "no fault was injected",
    );
  } else if (kind && (FAULT_KINDS as readonly string[]).includes(kind)) {
    const body = {
      ...(flags.service ? { service: String(flags.service) } : {}),
      ...(flags.from ? { from: String(flags.from) } : {}),
      ...(flags.percent ? { percent: Number(flags.percent) } : {}),
    };
    const r = (await call("POST", `${base}/faults/${kind}`, body)) as { fault: { description: string } };
    console.log(`injected ${kind}: ${r.fault.description}`);
  } else {
    console.error(USAGE);
    process.exit(2);
  }
} else if (command === "status") {
  const base = await controlUrl(parseFlags(rest));
  printStatus((await call("GET", `${base}/status`)) as StackStatus);
} else if (command === "start") {
  let config;
  try {
    config = loadLocalStackConfig(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const { mkdirSync, createWriteStream } = await import("node:fs");
  mkdirSync(join(resolve(config.dataDir), "logs"), { recursive: true });
  const log = createLogger({
    component: "local-stack",
    level: config.logLevel,
    destination: createWriteStream(join(resolve(config.dataDir), "logs", "local-stack.log"), { flags: "a" }),
  });
  console.log(`Starting the Causeway local stack (data and logs in ${resolve(config.dataDir)})`);
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack(config, log, process.stdout);
  } catch (error) {
    console.error(`The local stack did not start: ${(error as Error).message}`);
    process.exit(1);
  }
  const u = stack.urls;
  const cli = "node packages/local-stack/dist/cli/main.js";
  console.log(
    [
      "",
      `Causeway local stack is up (${stack.capabilities.mode} mode).`,
      `  UI:               ${u.ui}`,
      `  API:              ${u.api}`,
      `  OTLP gRPC / HTTP: ${u.otlpGrpc}  ${u.otlpHttp}`,
      `  VictoriaMetrics:  ${u.victoriaMetrics}`,
      `  Kubernetes API:   ${u.kubeApi}  (kubeconfig: ${stack.kubeconfig})`,
      `  Approver token:   ${stack.approverTokenFile}`,
      `                    or: ${approverTokenCommand(stack.kubeconfig)}`,
      `  Logs:             ${join(stack.dataDir, "logs")}`,
      "",
      "Inject a fault from another terminal (in this directory):",
      `  ${cli} fault oom        # checkout leaks memory until it is OOM-killed`,
      `  ${cli} fault cpu        # payments needs more CPU than its limit`,
      `  ${cli} fault crash      # inventory crashes at start: CrashLoopBackOff`,
      `  ${cli} fault rollout    # payments rolls out the bad release 1.1.0 (500s)`,
      `  ${cli} fault loss       # 30% packet loss between frontend and checkout`,
      `  ${cli} fault clear      # clear every fault;  ${cli} status`,
      "",
      "Press Ctrl-C to stop (everything started is stopped and removed).",
    ].join("\n"),
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    log.info({ signal }, "shutting down");
    stack.stop().then(
      () => {
        console.log("Stopped; no process, cgroup or network namespace of the stack is left.");
        process.exit(0);
      },
      (error: Error) => {
        console.error(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
} else {
  console.error(USAGE);
  process.exit(2);
}
