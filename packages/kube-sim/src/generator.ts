import { createHash, randomUUID } from "node:crypto";
import { type KubeApiServer } from "./api-server.js";
import { type ControllerManager } from "./controllers/controller-manager.js";
import { MAX_ENDPOINTS_PER_SLICE } from "./controllers/endpointslice-controller.js";
import { podTemplateHash, timestamp } from "./controllers/pod-template.js";
import { TYPES } from "./resources.js";
import { type KubeObject } from "./store.js";

/** Kubernetes' documented scalability limits. */
export const SCALABILITY_LIMITS = { nodes: 5_000, pods: 150_000, podsPerNode: 110 } as const;

/** What to generate. */
export interface GenerateClusterOptions {
  readonly nodes: number;
  readonly pods: number;
  /** Default: one per 1,500 pods, at least 3. */
  readonly namespaces?: number;
  /** Largest Deployment; sizes are drawn from 1..max with small ones most common (mean ≈ max/3). Default 30. */
  readonly maxReplicas?: number;
  /** PRNG seed: the same seed gives the same names, sizes and placement. Default 1. */
  readonly seed?: number;
  /** Generated objects are this old. Default 1 h. */
  readonly ageMs?: number;
}

/** Counts of what was generated and how long it took. */
export interface GeneratedCluster {
  readonly nodes: number;
  readonly pods: number;
  readonly namespaces: number;
  readonly deployments: number;
  readonly replicaSets: number;
  readonly services: number;
  readonly endpointSlices: number;
  readonly durationMs: number;
}

const WORDS = [
  "checkout",
  "cart",
  "catalog",
  "payments",
  "search",
  "ads",
  "auth",
  "users",
  "orders",
  "shipping",
  "inventory",
  "pricing",
  "reviews",
  "recommend",
  "email",
  "notify",
  "gateway",
  "frontend",
  "billing",
  "ledger",
  "fraud",
  "media",
  "thumbnails",
  "reports",
  "metrics",
  "audit",
  "session",
  "profile",
  "loyalty",
  "coupons",
];
const TEAMS = ["shop", "platform", "data", "growth", "core", "edge", "ml", "finance", "ops", "mobile"];
const ZONES = ["zone-a", "zone-b", "zone-c"];

/** mulberry32: small, fast and good enough to make a reproducible cluster. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUFFIX = "bcdfghjklmnpqrstvwxz2456789";
const DEFAULT_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

/**
 * Fills the simulator with a realistic, already reconciled cluster: N Ready nodes across three
 * zones, M Running pods spread over namespaces, Deployments with their ReplicaSets, one Service per
 * Deployment with its EndpointSlices, everything with the fields real controllers and kubelets set.
 * Objects go straight into the store (no HTTP, no admission), and the controllers are suspended
 * while it runs, so 150,000 pods take seconds. Watchers see every object as ADDED.
 */
export function generateCluster(
  server: KubeApiServer,
  options: GenerateClusterOptions,
  controllers?: ControllerManager,
): GeneratedCluster {
  const run = () => server.store.bulkLoad(() => generate(server, options));
  return controllers ? controllers.suspend(run) : run();
}

function generate(server: KubeApiServer, options: GenerateClusterOptions): GeneratedCluster {
  const started = performance.now();
  const { nodes, pods } = options;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > SCALABILITY_LIMITS.nodes)
    throw new RangeError(`nodes must be 1..${SCALABILITY_LIMITS.nodes}`);
  if (
    !Number.isInteger(pods) ||
    pods < 0 ||
    pods > SCALABILITY_LIMITS.pods ||
    pods > nodes * SCALABILITY_LIMITS.podsPerNode
  )
    throw new RangeError(
      `pods must be 0..${Math.min(SCALABILITY_LIMITS.pods, nodes * SCALABILITY_LIMITS.podsPerNode)}`,
    );
  const random = prng(options.seed ?? 1);
  const suffix = (n: number) =>
    Array.from({ length: n }, () => SUFFIX[Math.floor(random() * SUFFIX.length)]).join("");
  const store = server.store;
  const created = timestamp(server.clock() - (options.ageMs ?? 3_600_000));
  const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: randomUUID(),
    resourceVersion: "",
    creationTimestamp: created,
    ...extra,
  });

  // Nodes.
  const nodeNames: string[] = [];
  const nodeIps: string[] = [];
  const nodeCidrs: string[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `node-${String(i + 1).padStart(5, "0")}`;
    const ip = `172.${20 + (i >> 16)}.${(i >> 8) & 255}.${(i & 255) + 1}`;
    const cidr = `10.${128 + (i >> 8)}.${i & 255}`;
    nodeNames.push(name);
    nodeIps.push(ip);
    nodeCidrs.push(cidr);
    const zone = ZONES[i % ZONES.length] as string;
    const cond = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      lastHeartbeatTime: created,
      lastTransitionTime: created,
      reason,
      message,
    });
    store.put(TYPES.nodes, {
      apiVersion: "v1",
      kind: "Node",
      metadata: meta(name, undefined, {
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "node.kubernetes.io/instance-type": "m6i.2xlarge",
          "topology.kubernetes.io/zone": zone,
          "topology.kubernetes.io/region": "region-1",
        },
        annotations: {
          "node.alpha.kubernetes.io/ttl": "0",
          "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        },
      }),
      spec: { podCIDR: `${cidr}.0/24`, podCIDRs: [`${cidr}.0/24`], providerID: `kube-sim://${zone}/${name}` },
      status: {
        capacity: {
          cpu: "8",
          "ephemeral-storage": "102687672Ki",
          "hugepages-2Mi": "0",
          memory: "32863084Ki",
          pods: "110",
        },
        allocatable: {
          cpu: "7910m",
          "ephemeral-storage": "94636958398",
          "hugepages-2Mi": "0",
          memory: "31712108Ki",
          pods: "110",
        },
        conditions: [
          cond(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
          ),
          cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
          cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        addresses: [
          { type: "InternalIP", address: ip },
          { type: "Hostname", address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: createHash("md5").update(name).digest("hex"),
          systemUUID: randomUUID(),
          bootID: randomUUID(),
          kernelVersion: "6.1.0-28-cloud-amd64",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          containerRuntimeVersion: "containerd://1.7.24",
          kubeletVersion: "v1.33.0",
          kubeProxyVersion: "",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    } as KubeObject);
  }

  // Namespaces.
  const nsCount = options.namespaces ?? Math.max(3, Math.ceil(pods / 1500));
  const namespaces: string[] = [];
  for (let i = 0; i < nsCount; i++) {
    const name = `${TEAMS[i % TEAMS.length] as string}-${String(Math.floor(i / TEAMS.length) + 1).padStart(2, "0")}`;
    namespaces.push(name);
    if (store.entry(TYPES.namespaces, undefined, name)) continue;
    store.put(TYPES.namespaces, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: meta(name, undefined, {
        labels: { "kubernetes.io/metadata.name": name, team: TEAMS[i % TEAMS.length] },
      }),
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    } as KubeObject);
    store.put(TYPES.serviceAccounts, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta("default", name),
    } as KubeObject);
  }

  // Deployments, ReplicaSets, Pods, Services, EndpointSlices.
  const maxReplicas = options.maxReplicas ?? 30;
  const podsOnNode = new Uint16Array(nodes);
  let nodeCursor = 0;
  let placed = 0;
  let deployments = 0;
  let slices = 0;
  const perNamespaceCount = new Map<string, number>();
  while (placed < pods) {
    const namespace = namespaces[deployments % namespaces.length] as string;
    const k = (perNamespaceCount.get(namespace) ?? 0) + 1;
    perNamespaceCount.set(namespace, k);
    const name = `${WORDS[(k - 1) % WORDS.length] as string}${k > WORDS.length ? `-${Math.ceil(k / WORDS.length)}` : ""}`;
    // Small deployments are common, large ones rare.
    const replicas = Math.min(pods - placed, 1 + Math.floor(maxReplicas * random() ** 2));
    const labels = { app: name, "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace };
    const template = {
      metadata: { labels, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9090" } },
      spec: {
        containers: [
          {
            name: "app",
            image: `registry.example.com/${namespace}/${name}:1.${k}.0`,
            imagePullPolicy: "IfNotPresent",
            ports: [
              { name: "http", containerPort: 8080, protocol: "TCP" },
              { name: "metrics", containerPort: 9090, protocol: "TCP" },
            ],
            resources: {
              requests: { cpu: `${50 * (1 + (k % 4))}m`, memory: `${128 * (1 + (k % 3))}Mi` },
              limits: { memory: `${256 * (1 + (k % 3))}Mi` },
            },
            readinessProbe: {
              httpGet: { path: "/ready", port: "http", scheme: "HTTP" },
              periodSeconds: 10,
              timeoutSeconds: 1,
              successThreshold: 1,
              failureThreshold: 3,
            },
            terminationMessagePath: "/dev/termination-log",
            terminationMessagePolicy: "File",
          },
        ],
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        dnsPolicy: "ClusterFirst",
        serviceAccountName: "default",
        serviceAccount: "default",
        securityContext: {},
        schedulerName: "default-scheduler",
        enableServiceLinks: true,
      },
    };
    const hash = podTemplateHash(template);
    const deployMeta = meta(name, namespace, {
      generation: 1,
      labels,
      annotations: { "deployment.kubernetes.io/revision": "1" },
    });
    const status = {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    };
    store.put(TYPES.deployments, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: deployMeta,
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        ...status,
        conditions: [
          {
            type: "Available",
            status: "True",
            lastUpdateTime: created,
            lastTransitionTime: created,
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.",
          },
          {
            type: "Progressing",
            status: "True",
            lastUpdateTime: created,
            lastTransitionTime: created,
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${name}-${hash}" has successfully progressed.`,
          },
        ],
      },
    } as KubeObject);
    const rsName = `${name}-${hash}`;
    const rsLabels = { ...labels, "pod-template-hash": hash };
    const rsMeta = meta(rsName, namespace, {
      generation: 1,
      labels: rsLabels,
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(replicas),
        "deployment.kubernetes.io/max-replicas": String(replicas + Math.ceil(replicas / 4)),
        "deployment.kubernetes.io/revision": "1",
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name,
          uid: deployMeta.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    const podTemplate = { ...template, metadata: { ...template.metadata, labels: rsLabels } };
    store.put(TYPES.replicaSets, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: rsMeta,
      spec: { replicas, selector: { matchLabels: rsLabels }, template: podTemplate },
      status: {
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        observedGeneration: 1,
      },
    } as KubeObject);

    const imageID = `registry.example.com/${namespace}/${name}@sha256:${createHash("sha256").update(name).digest("hex")}`;
    const podConditions = [
      "PodReadyToStartContainers",
      "Initialized",
      "Ready",
      "ContainersReady",
      "PodScheduled",
    ].map((type) => ({
      type,
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: created,
    }));
    const endpoints: Record<string, unknown>[] = [];
    for (let r = 0; r < replicas; r++) {
      // Round robin over nodes, skipping full ones.
      while ((podsOnNode[nodeCursor] as number) >= SCALABILITY_LIMITS.podsPerNode)
        nodeCursor = (nodeCursor + 1) % nodes;
      const n = nodeCursor;
      nodeCursor = (nodeCursor + 1) % nodes;
      const host = (podsOnNode[n] as number) + 2;
      podsOnNode[n] = host - 1;
      const podName = `${rsName}-${suffix(5)}`;
      const podIp = `${nodeCidrs[n] as string}.${host}`;
      const nodeName = nodeNames[n] as string;
      const podMeta = meta(podName, namespace, {
        generateName: `${rsName}-`,
        labels: rsLabels,
        annotations: template.metadata.annotations,
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: rsName,
            uid: rsMeta.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      });
      const cid = `containerd://${podMeta.uid.replace(/-/g, "")}${rsMeta.uid.replace(/-/g, "")}`;
      store.put(TYPES.pods, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: podMeta,
        // Shared, not copied: the store serializes it at once.
        spec: { ...template.spec, nodeName, priority: 0, tolerations: DEFAULT_TOLERATIONS },
        status: {
          phase: "Running",
          conditions: podConditions,
          hostIP: nodeIps[n],
          hostIPs: [{ ip: nodeIps[n] }],
          podIP: podIp,
          podIPs: [{ ip: podIp }],
          startTime: created,
          containerStatuses: [
            {
              name: "app",
              state: { running: { startedAt: created } },
              lastState: {},
              ready: true,
              restartCount: 0,
              image: template.spec.containers[0]?.image,
              imageID,
              containerID: cid,
              started: true,
            },
          ],
          qosClass: "Burstable",
        },
      } as KubeObject);
      endpoints.push({
        addresses: [podIp],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName,
        targetRef: { kind: "Pod", namespace, name: podName, uid: podMeta.uid },
      });
      placed++;
    }

    const clusterIp = server.services.clusterIp();
    const svcMeta = meta(name, namespace, { labels });
    store.put(TYPES.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: svcMeta,
      spec: {
        type: "ClusterIP",
        selector: labels,
        ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: "http" }],
        clusterIP: clusterIp,
        clusterIPs: [clusterIp],
        sessionAffinity: "None",
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        internalTrafficPolicy: "Cluster",
      },
      status: { loadBalancer: {} },
    } as KubeObject);
    // In pod-name order, as the EndpointSlice controller writes them.
    endpoints.sort((a, b) =>
      (a.targetRef as { name: string }).name < (b.targetRef as { name: string }).name ? -1 : 1,
    );
    for (let i = 0; i < Math.max(1, endpoints.length); i += MAX_ENDPOINTS_PER_SLICE) {
      store.put(TYPES.endpointSlices, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: meta(`${name}-${suffix(5)}`, namespace, {
          generateName: `${name}-`,
          labels: {
            ...labels,
            "kubernetes.io/service-name": name,
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
          },
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "Service",
              name,
              uid: svcMeta.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }),
        addressType: "IPv4",
        endpoints: endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE),
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      } as KubeObject);
      slices++;
    }
    deployments++;
  }
  return {
    nodes,
    pods: placed,
    namespaces: namespaces.length,
    deployments,
    replicaSets: deployments,
    services: deployments,
    endpointSlices: slices,
    durationMs: performance.now() - started,
  };
}
