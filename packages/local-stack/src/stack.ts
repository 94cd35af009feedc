import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { type Server } from "node:http";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEMO_ENTRY_URL,
  DEMO_IMAGE_REPOSITORY,
  LOAD_GENERATOR,
  SHOP_SERVICES,
  demoManifests,
} from "@causeway/demo-app";
import { type Logger } from "@causeway/runtime";
import {
  APPROVER_SERVICE_ACCOUNT,
  MEDIATOR_AUDIENCE,
  SUITE_NAMESPACE,
  bootstrapCluster,
  createAll,
  type ClusterCredentials,
} from "./cluster/bootstrap.js";
import { readKubeconfigCluster } from "./cluster/kubeconfig.js";
import { ServiceDirectorySync, directoryFromSlices } from "./cluster/service-directory-sync.js";
import { componentEntry, httpOk, resolvePort, until } from "./components.js";
import { type LocalStackConfig } from "./config.js";
import { FaultController, type ActiveFault } from "./faults/fault-controller.js";
import { createControlServer, listenControl } from "./faults/control-server.js";
import { detectCapabilities, type HostCapabilities } from "./host/capabilities.js";
import { detectCgroupHierarchies, removeCgroupTree, type CgroupHierarchies } from "./host/cgroups.js";
import { PodNetwork, removeNetworkLeftovers } from "./host/pod-network.js";
import { ProcessRegistry, processStartTicks } from "./host/process-registry.js";
import { KubeClient, type KubeObject } from "./kube/kube-client.js";
import { ImageStore } from "./kubelet/image-store.js";
import { LocalKubelet } from "./kubelet/local-kubelet.js";
import { Progress, SILENT_PROGRESS, type ProgressSink } from "./progress.js";
import { Supervisor } from "./supervisor.js";

/** The addresses a user needs, printed when the stack is up. */
export interface StackUrls {
  readonly ui: string;
  readonly api: string;
  readonly otlpGrpc: string;
  readonly otlpHttp: string;
  readonly victoriaMetrics: string;
  readonly kubeApi: string;
  readonly control: string;
}

export interface RunningStack {
  readonly urls: StackUrls;
  readonly dataDir: string;
  /** Admin kubeconfig of the simulated cluster. */
  readonly kubeconfig: string;
  readonly approverTokenFile: string;
  readonly capabilities: HostCapabilities;
  readonly nodeName: string;
  /** The simulated cluster, as admin. */
  readonly kube: KubeClient;
  readonly kubelet: LocalKubelet;
  readonly faults: FaultController | undefined;
  /** The cgroup tree the kubelet owns (relative to each hierarchy root). */
  readonly cgroupRoot: string;
  readonly hierarchies: CgroupHierarchies | undefined;
  /** Pids of the component processes (not the pods'). */
  readonly componentPids: readonly number[];
  status(): StackStatus;
  /** Stops everything in reverse order and removes every process, cgroup, namespace and table it made. */
  stop(): Promise<void>;
}

export interface StackStatus {
  readonly mode: "full" | "degraded";
  readonly missing: readonly string[];
  readonly urls: StackUrls;
  readonly kubeconfig: string;
  readonly approverTokenFile: string;
  readonly pods: readonly { name: string; ip: string; ready: boolean; restarts: number }[];
  readonly faults: readonly ActiveFault[];
}

/** Written while the stack runs, so `fault ...` finds the control endpoint and a second start refuses. */
interface ControlFile {
  readonly url: string;
  readonly pid: number;
  readonly startTicks: string | undefined;
}

export const CONTROL_FILE = "control.json";

/** The control endpoint of the stack running with this data dir, if one runs. */
export async function runningControlUrl(dataDir: string): Promise<string | undefined> {
  try {
    const c = JSON.parse(await readFile(join(resolve(dataDir), CONTROL_FILE), "utf8")) as ControlFile;
    return processStartTicks(c.pid) === c.startTicks ? c.url : undefined;
  } catch {
    return undefined;
  }
}

const nodeNameOf = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "") || "localhost";

/**
 * Starts the whole suite on this machine, in dependency order, each component a child process:
 * VictoriaMetrics, kube-sim (the control plane), the suite's RBAC and credentials, the mediator,
 * this machine's kubelet (in process), the agent, the executor, and the demo shop deployed into
 * kube-sim. Leftovers of a crashed previous run are removed first.
 */
export async function startLocalStack(
  config: Readonly<LocalStackConfig>,
  log: Logger,
  out: ProgressSink = SILENT_PROGRESS,
): Promise<RunningStack> {
  const progress = new Progress(out);
  const dataDir = resolve(config.dataDir);
  const logDir = join(dataDir, "logs");
  const credentialsDir = join(dataDir, "credentials");
  await mkdir(logDir, { recursive: true });
  if (await runningControlUrl(dataDir))
    throw new Error(`a local stack already runs with ${dataDir} (see ${join(dataDir, CONTROL_FILE)})`);

  const caps = detectCapabilities(config.mode);
  const full = caps.mode === "full";
  const hierarchies = full ? detectCgroupHierarchies() : undefined;
  const registry = new ProcessRegistry(join(dataDir, "run", "processes.json"));
  const cleaned = await cleanLeftovers(registry, hierarchies, config.node.cgroupRoot);
  if (cleaned.length > 0) progress.note(`  removed leftovers of a previous run: ${cleaned.join(", ")}`);
  if (caps.missing.length > 0) progress.note(`  degraded: ${caps.missing.join("; ")}`);

  const supervisor = new Supervisor(log, logDir, registry);
  const lvl = config.componentLogLevel;
  const nodeName = nodeNameOf(config.node.name);
  const network = full ? new PodNetwork(config.node.podCidr) : undefined;
  let kubelet: LocalKubelet | undefined;
  let directory: ServiceDirectorySync | undefined;
  let control: Server | undefined;
  let stopped = false;
  const onCrash = (name: string) => () => {
    if (!stopped) out.write(`  ✗ ${name} exited unexpectedly; see ${join(logDir, `${name}.log`)}\n`);
  };

  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (control) {
      control.closeAllConnections();
      await new Promise((r) => control?.close(r));
    }
    await rm(join(dataDir, CONTROL_FILE), { force: true });
    await directory?.stop();
    await kubelet?.stop();
    await supervisor.stopAll();
    if (hierarchies) removeCgroupTree(hierarchies, config.node.cgroupRoot);
    if (full) await removeNetworkLeftovers();
  };

  try {
    // VictoriaMetrics
    const vmData = join(dataDir, "victoria-metrics");
    await mkdir(vmData, { recursive: true });
    const victoriaMetricsUrl = `http://${config.victoriaMetrics.listenAddress}`;
    await progress.step(
      "VictoriaMetrics",
      async () => {
        supervisor.spawn(
          "victoria-metrics",
          config.victoriaMetrics.binary,
          [
            `-storageDataPath=${vmData}`,
            `-httpListenAddr=${config.victoriaMetrics.listenAddress}`,
            `-retentionPeriod=${config.victoriaMetrics.retentionPeriod}`,
            `-search.latencyOffset=${config.victoriaMetrics.searchLatencyOffset}`,
            "-loggerLevel=ERROR",
          ],
          { onUnexpectedExit: onCrash("victoria-metrics") },
        );
        await until("VictoriaMetrics /health", () => httpOk(`${victoriaMetricsUrl}/health`), 30_000);
      },
      () => victoriaMetricsUrl,
    );

    // kube-sim
    const kubeconfig = join(dataDir, "kubeconfig");
    const kubePort = await resolvePort(config.kubeSim.port, config.kubeSim.host);
    const adminToken = randomBytes(24).toString("hex");
    const { server, ca } = await progress.step(
      "kube-sim",
      async () => {
        await rm(kubeconfig, { force: true });
        supervisor.spawn(
          "kube-sim",
          process.execPath,
          [
            componentEntry("kube-sim"),
            `--host=${config.kubeSim.host}`,
            `--port=${kubePort}`,
            "--https=true",
            `--kubeconfig=${kubeconfig}`,
            `--logLevel=${lvl === "info" ? "warn" : lvl}`,
          ],
          { env: { KUBE_SIM_ADMIN_TOKEN: adminToken }, onUnexpectedExit: onCrash("kube-sim") },
        );
        const yaml = await until(
          "kube-sim's kubeconfig",
          async () => (existsSync(kubeconfig) ? readFile(kubeconfig, "utf8") : undefined),
          30_000,
        );
        const cluster = readKubeconfigCluster(yaml);
        if (!cluster.ca) throw new Error("kube-sim's kubeconfig has no CA");
        return { server: cluster.server, ca: cluster.ca };
      },
      (r) => `${r.server}  (kubeconfig ${kubeconfig})`,
    );
    const kube = new KubeClient({ url: server, token: adminToken, ca });
    await until(
      "kube-sim to answer",
      async () => (await kube.get("/version")) !== undefined || undefined,
      30_000,
    );

    const credentials: ClusterCredentials = await progress.step(
      "RBAC, credentials",
      () => bootstrapCluster(kube, { dir: credentialsDir, server, ca }),
      () => `ServiceAccounts and roles as the Helm chart's, tokens in ${credentialsDir}`,
    );

    // The pods' network, before the mediator binds OTLP to its gateway.
    if (network)
      await progress.step(
        "pod network",
        () => network.setUp(),
        () => `bridge ${network.gateway}/${network.prefixLength}`,
      );
    const otlpHost = network?.gateway ?? "127.0.0.1";

    // Mediator
    const grpcPort = await resolvePort(config.mediator.grpcPort, config.mediator.host);
    const httpPort = await resolvePort(config.mediator.httpPort, config.mediator.host);
    const otlpGrpcPort = await resolvePort(config.mediator.otlpGrpcPort, otlpHost);
    const otlpHttpPort = await resolvePort(config.mediator.otlpHttpPort, otlpHost);
    const apiBase = `http://${config.mediator.host}:${httpPort}`;
    await progress.step(
      "mediator",
      async () => {
        supervisor.spawn(
          "mediator",
          process.execPath,
          [
            componentEntry("mediator"),
            `--namespace=${SUITE_NAMESPACE}`,
            `--dataDir=${join(dataDir, "mediator")}`,
            `--logLevel=${lvl}`,
            `--grpc.host=${config.mediator.host}`,
            `--grpc.port=${grpcPort}`,
            `--http.host=${config.mediator.host}`,
            `--http.port=${httpPort}`,
            `--otlp.grpc.host=${otlpHost}`,
            `--otlp.grpc.port=${otlpGrpcPort}`,
            `--otlp.http.host=${otlpHost}`,
            `--otlp.http.port=${otlpHttpPort}`,
            `--otlp.tickIntervalMs=${config.mediator.otlpTickMs}`,
            `--kube.kubeconfig=${credentials.mediatorKubeconfig}`,
            `--victoriaMetrics.url=${victoriaMetricsUrl}`,
            `--victoriaMetrics.writeIntervalMs=${config.mediator.seriesWriteIntervalMs}`,
            `--auth.audience=${MEDIATOR_AUDIENCE}`,
            `--auth.agentUsernames=system:serviceaccount:${SUITE_NAMESPACE}:causeway-agent`,
            `--auth.executorUsernames=system:serviceaccount:${SUITE_NAMESPACE}:causeway-executor`,
            `--symptoms.tickIntervalMs=${config.mediator.symptomTickMs}`,
          ],
          { onUnexpectedExit: onCrash("mediator") },
        );
        await until("the mediator's /readyz", () => httpOk(`${apiBase}/readyz`), 60_000);
      },
      () => `${apiBase}/api/v1  gRPC ${config.mediator.host}:${grpcPort}  OTLP ${otlpHost}:${otlpGrpcPort}`,
    );

    // This machine's kubelet (in process)
    const images = new ImageStore();
    images.add(DEMO_IMAGE_REPOSITORY, [process.execPath, fileURLToPath(DEMO_ENTRY_URL)], "DEMO_APP_VERSION");
    kubelet = new LocalKubelet({
      kube,
      nodeName,
      hierarchies,
      network,
      podCidr: config.node.podCidr,
      cgroupRoot: config.node.cgroupRoot,
      logDir: join(dataDir, "pods"),
      images,
      backoff: {
        initialMs: config.node.restartBackoffInitialMs,
        maxMs: config.node.restartBackoffMaxMs,
        resetAfterMs: config.node.restartBackoffResetMs,
      },
      deadCgroupRetentionMs: config.node.deadCgroupRetentionMs,
      maxGracePeriodMs: config.node.maxGracePeriodMs,
      log: log.child({ module: "kubelet" }),
    });
    const k = kubelet;
    await progress.step(
      "kubelet",
      async () => {
        await k.registerNode();
        k.start();
      },
      () =>
        `node ${nodeName}${full ? `: pods in cgroups under ${config.node.cgroupRoot}/kubepods, network ${config.node.podCidr}` : ": pods on loopback addresses (degraded)"}`,
    );

    // Agent
    const agentPort = await resolvePort(config.agent.metricsPort);
    if (config.agent.enabled) {
      await progress.step(
        "agent",
        async () => {
          supervisor.spawn(
            "agent",
            process.execPath,
            [
              componentEntry("agent"),
              `--nodeName=${nodeName}`,
              `--intervalMs=${config.agent.intervalMs}`,
              `--topologyIntervalMs=${config.agent.topologyIntervalMs}`,
              "--host.proc=/proc",
              "--host.sys=/sys",
              "--kube.mode=kubeconfig",
              `--kube.kubeconfig=${credentials.agentKubeconfig}`,
              `--mediator.address=${config.mediator.host}:${grpcPort}`,
              `--mediator.tokenFile=${credentials.agentMediatorTokenFile}`,
              `--victoriaMetrics.url=${victoriaMetricsUrl}`,
              `--victoriaMetrics.queueDir=${join(dataDir, "agent", "series-queue")}`,
              `--ebpf.enabled=${caps.ebpf}`,
              "--http.host=127.0.0.1",
              `--http.port=${agentPort}`,
              `--logLevel=${lvl}`,
            ],
            { onUnexpectedExit: onCrash("agent") },
          );
          await until("the agent's /readyz", () => httpOk(`http://127.0.0.1:${agentPort}/readyz`), 60_000);
        },
        () =>
          `${caps.ebpf ? "eBPF on" : "no eBPF (degraded)"}, metrics http://127.0.0.1:${agentPort}/metrics`,
      );
    }

    // Executor
    if (config.executor.enabled) {
      await progress.step(
        "executor",
        async () => {
          const res = await fetch(`${apiBase}/api/v1/audit/public-key`);
          if (!res.ok) throw new Error(`the mediator's public key: HTTP ${res.status}`);
          const keyFile = join(credentialsDir, "mediator-public-key.pem");
          await writeFile(keyFile, await res.text());
          const executor = supervisor.spawn(
            "executor",
            process.execPath,
            [
              componentEntry("executor"),
              "--executorId=local-executor",
              `--mediatorAddress=${config.mediator.host}:${grpcPort}`,
              `--mediatorHttpUrl=${apiBase}`,
              `--mediatorPublicKeyFiles=${keyFile}`,
              `--mediatorTokenFile=${credentials.executorMediatorTokenFile}`,
              "--http.port=0",
              `--namespace=${SUITE_NAMESPACE}`,
              `--kube.url=${server}`,
              `--kube.caFile=${credentials.caFile}`,
              `--kube.tokenFile=${credentials.executorTokenFile}`,
              `--dataDir=${join(dataDir, "executor")}`,
              `--verifyWindowMs=${config.executor.verifyWindowMs}`,
              `--verifyPollMs=${config.executor.verifyPollMs}`,
              `--verifyStableMs=${config.executor.verifyStableMs}`,
              ...(config.demo.enabled ? [`--safety.allowNamespaces=${config.demo.namespace}`] : []),
              `--logLevel=${lvl}`,
            ],
            { onUnexpectedExit: onCrash("executor") },
          );
          await until(
            "the executor to start",
            () => executor.stdoutLines.some((l) => l.includes('"executor started"')) || undefined,
            30_000,
          );
        },
        () =>
          `per-action ServiceAccounts in ${SUITE_NAMESPACE}, verifies within ${config.executor.verifyWindowMs / 1000} s`,
      );
    }

    // The demo shop
    let faults: FaultController | undefined;
    if (config.demo.enabled) {
      const demoDir = join(dataDir, "demo");
      await mkdir(demoDir, { recursive: true });
      const endpointsFile = join(demoDir, "endpoints.json");
      const faultsFile = join(demoDir, "faults.json");
      const ns = config.demo.namespace;
      faults = new FaultController({
        kube,
        network,
        flagsFile: faultsFile,
        namespace: ns,
        services: SHOP_SERVICES.map((s) => s.name),
        log: log.child({ module: "faults" }),
      });
      const f = faults;
      await f.reset();
      directory = new ServiceDirectorySync({
        kube,
        namespace: ns,
        file: endpointsFile,
        log: log.child({ module: "endpoints" }),
        onChange: (slices: readonly KubeObject[]) => {
          const byService: Record<string, string[]> = {};
          for (const [key, endpoints] of Object.entries(directoryFromSlices(slices)))
            byService[key.slice(key.indexOf("/") + 1)] = endpoints.map((e) => e.ip);
          void f
            .updateAddresses(byService)
            .catch((error: Error) => log.warn({ err: error.message }, "cannot update loss rules"));
        },
      });
      directory.start();
      const otlpEndpoint = `http://${otlpHost}:${otlpGrpcPort}`;
      await progress.step(
        "demo shop",
        async () => {
          const manifests = demoManifests({
            namespace: ns,
            otlpEndpoint,
            endpointsFile,
            faultsFile,
            requestsPerSecond: config.demo.requestsPerSecond,
          });
          const isLoad = (o: KubeObject) => o.metadata?.name === LOAD_GENERATOR.name;
          const available = (names: readonly string[]) =>
            until(
              `${names.join(", ")} to be available`,
              async () => {
                const list = await kube.get(`/apis/apps/v1/namespaces/${ns}/deployments`);
                const ready = ((list.items ?? []) as KubeObject[]).filter(
                  (d) => Number(d.status?.availableReplicas ?? 0) >= Number(d.spec?.replicas ?? 1),
                );
                return names.every((n) => ready.some((d) => d.metadata.name === n)) || undefined;
              },
              120_000,
            );
          // The services first, and the load only once every one of them is reachable: no errors at start.
          await createAll(
            kube,
            manifests.filter((o) => !isLoad(o)),
          );
          await available(SHOP_SERVICES.map((s) => s.name));
          await until(
            "the endpoints of every demo service",
            async () => {
              const text = await readFile(endpointsFile, "utf8").catch(() => "{}");
              const services = (JSON.parse(text) as { services?: Record<string, unknown[]> }).services ?? {};
              return SHOP_SERVICES.every((s) => (services[`${ns}/${s.name}`]?.length ?? 0) > 0) || undefined;
            },
            30_000,
          );
          await createAll(kube, manifests.filter(isLoad));
          await available([LOAD_GENERATOR.name]);
        },
        () =>
          `${SHOP_SERVICES.map((s) => s.name).join(", ")} and loadgen in namespace ${ns}, OTLP to ${otlpEndpoint}`,
      );
    }

    const controlPort = await resolvePort(config.control.port);
    const urls: StackUrls = {
      ui: `${apiBase}/ui`,
      api: `${apiBase}/api/v1`,
      otlpGrpc: `http://${otlpHost}:${otlpGrpcPort}`,
      otlpHttp: `http://${otlpHost}:${otlpHttpPort}`,
      victoriaMetrics: victoriaMetricsUrl,
      kubeApi: server,
      control: `http://127.0.0.1:${controlPort}`,
    };
    const status = (): StackStatus => ({
      mode: caps.mode,
      missing: caps.missing,
      urls,
      kubeconfig,
      approverTokenFile: credentials.approverTokenFile,
      pods: [...k.workers.values()].map((w) => {
        const s = w.status();
        const containers = (s.containerStatuses ?? []) as KubeObject[];
        return {
          name: `${String(w.pod.metadata.namespace)}/${String(w.pod.metadata.name)}`,
          ip: w.podIp,
          ready: containers.every((c) => c.ready === true),
          restarts: containers.reduce((n, c) => n + Number(c.restartCount ?? 0), 0),
        };
      }),
      faults: faults?.active() ?? [],
    });

    // Control endpoint
    control = createControlServer({ faults, status, log: log.child({ module: "control" }) });
    await listenControl(control, controlPort);
    const controlUrl = urls.control;
    const controlFile: ControlFile = {
      url: controlUrl,
      pid: process.pid,
      startTicks: processStartTicks(process.pid),
    };
    await writeFile(join(dataDir, CONTROL_FILE), `${JSON.stringify(controlFile)}\n`);

    return {
      urls,
      dataDir,
      kubeconfig,
      approverTokenFile: credentials.approverTokenFile,
      capabilities: caps,
      nodeName,
      kube,
      kubelet: k,
      faults,
      cgroupRoot: config.node.cgroupRoot,
      hierarchies,
      componentPids: supervisor.processes.map((p) => p.child.pid).filter((p): p is number => p !== undefined),
      status,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Kills a crashed run's processes and removes its cgroups, namespaces, veths, bridge and table. */
async function cleanLeftovers(
  registry: ProcessRegistry,
  hierarchies: CgroupHierarchies | undefined,
  cgroupRoot: string,
): Promise<string[]> {
  const cleaned = (await registry.killLeftovers()).map((p) => `process ${p}`);
  if (hierarchies) {
    const roots = [
      hierarchies.v2,
      hierarchies.cpu,
      hierarchies.cpuacct,
      hierarchies.memory,
      hierarchies.pids,
    ];
    if (roots.some((r) => r !== undefined && existsSync(join(r, cgroupRoot)))) {
      // Processes in the tree are killed first; their exit can take a moment.
      await until(
        "the previous run's cgroups to go",
        () => removeCgroupTree(hierarchies, cgroupRoot).length === 0 || undefined,
        10_000,
      );
      cleaned.push(`cgroups ${cgroupRoot}`);
    }
    cleaned.push(...(await removeNetworkLeftovers()));
  }
  return cleaned;
}

/** The approver's token command, for the summary. */
export function approverTokenCommand(kubeconfig: string): string {
  return `kubectl --kubeconfig ${kubeconfig} -n ${SUITE_NAMESPACE} create token ${APPROVER_SERVICE_ACCOUNT}`;
}
