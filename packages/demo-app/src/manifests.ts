import {
  DEMO_IMAGE_REPOSITORY,
  DEMO_IMAGE_TAG,
  LOAD_GENERATOR,
  SHOP_PORT,
  SHOP_SERVICES,
} from "./catalog.js";

type KubeObject = Record<string, unknown>;

/** Where the demo's pods find the mediator and the files the local stack writes for them. */
export interface DemoManifestOptions {
  readonly namespace: string;
  /** OTLP/gRPC endpoint reachable from inside a pod. */
  readonly otlpEndpoint: string;
  /** Host paths (pods see the host's file system). */
  readonly endpointsFile: string;
  readonly faultsFile: string;
  /** Requests per second of the load generator. */
  readonly requestsPerSecond: number;
}

/** Label every demo object carries. */
export const DEMO_PART_OF_LABEL = { "app.kubernetes.io/part-of": "causeway-demo" } as const;

const mi = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))}Mi`;

function container(
  o: DemoManifestOptions,
  workload: string,
  args: string[],
  resources: { cpuRequest: number; cpuLimit: number; memoryRequest?: number; memoryLimit: number },
  extraEnv: KubeObject[],
  probe: boolean,
): KubeObject {
  const field = (name: string, fieldPath: string): KubeObject => ({
    name,
    valueFrom: { fieldRef: { fieldPath } },
  });
  return {
    name: "app",
    image: `${DEMO_IMAGE_REPOSITORY}:${DEMO_IMAGE_TAG}`,
    args,
    env: [
      ...extraEnv,
      field("DEMO_NAMESPACE", "metadata.namespace"),
      field("K8S_POD_NAME", "metadata.name"),
      field("K8S_POD_UID", "metadata.uid"),
      field("K8S_NODE_NAME", "spec.nodeName"),
      // Listen on the pod's own address: pods sharing the host's network (the local stack's
      // degraded mode) then still each have their port 8080.
      field("DEMO_HOST", "status.podIP"),
      { name: "DEMO_ENDPOINTS_FILE", value: o.endpointsFile },
      { name: "DEMO_FAULTS_FILE", value: o.faultsFile },
      { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: o.otlpEndpoint },
      {
        name: "OTEL_RESOURCE_ATTRIBUTES",
        value: `k8s.pod.name=$(K8S_POD_NAME),k8s.pod.uid=$(K8S_POD_UID),k8s.node.name=$(K8S_NODE_NAME),k8s.deployment.name=${workload},k8s.container.name=app`,
      },
    ],
    resources: {
      requests: {
        cpu: `${resources.cpuRequest}m`,
        ...(resources.memoryRequest ? { memory: mi(resources.memoryRequest) } : {}),
      },
      limits: { cpu: `${resources.cpuLimit}m`, memory: mi(resources.memoryLimit) },
    },
    ...(probe
      ? {
          ports: [{ name: "http", containerPort: SHOP_PORT, protocol: "TCP" }],
          readinessProbe: {
            httpGet: { path: "/healthz", port: SHOP_PORT },
            periodSeconds: 2,
            failureThreshold: 2,
          },
        }
      : {}),
  };
}

function deployment(
  o: DemoManifestOptions,
  name: string,
  replicas: number,
  podContainer: KubeObject,
): KubeObject {
  const labels = { app: name, ...DEMO_PART_OF_LABEL };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: o.namespace, labels },
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: { containers: [podContainer], terminationGracePeriodSeconds: 5 },
      },
    },
  };
}

/** The demo shop as Kubernetes objects: its namespace, a Deployment and Service per service, the load generator. */
export function demoManifests(o: DemoManifestOptions): KubeObject[] {
  const objects: KubeObject[] = [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: o.namespace, labels: { ...DEMO_PART_OF_LABEL } },
    },
  ];
  for (const s of SHOP_SERVICES) {
    objects.push(
      deployment(
        o,
        s.name,
        s.replicas,
        container(
          o,
          s.name,
          ["service"],
          {
            cpuRequest: s.cpuRequestMillicores,
            cpuLimit: s.cpuLimitMillicores,
            memoryRequest: s.memoryRequestBytes,
            memoryLimit: s.memoryLimitBytes,
          },
          [{ name: "DEMO_SERVICE", value: s.name }],
          true,
        ),
      ),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: s.name, namespace: o.namespace, labels: { app: s.name, ...DEMO_PART_OF_LABEL } },
        spec: {
          selector: { app: s.name },
          ports: [{ name: "http", port: SHOP_PORT, targetPort: SHOP_PORT, protocol: "TCP" }],
        },
      },
    );
  }
  objects.push(
    deployment(
      o,
      LOAD_GENERATOR.name,
      1,
      container(
        o,
        LOAD_GENERATOR.name,
        ["loadgen"],
        {
          cpuRequest: LOAD_GENERATOR.cpuRequestMillicores,
          cpuLimit: LOAD_GENERATOR.cpuLimitMillicores,
          memoryLimit: LOAD_GENERATOR.memoryLimitBytes,
        },
        [{ name: "DEMO_REQUESTS_PER_SECOND", value: String(o.requestsPerSecond) }],
        false,
      ),
    ),
  );
  return objects;
}
