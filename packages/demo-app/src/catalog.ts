/** One downstream call a service makes for every request it serves. */
export interface DownstreamCall {
  readonly service: string;
  readonly method: "GET" | "POST";
  readonly path: string;
}

/** A service of the demo shop, as deployed: its route, its calls and its resources. */
export interface ShopServiceSpec {
  readonly name: string;
  readonly method: "GET" | "POST";
  /** The one route it serves. */
  readonly path: string;
  readonly calls: readonly DownstreamCall[];
  /** Time spent per request without faults (waiting, as on a database). */
  readonly latencyMs: number;
  readonly replicas: number;
  readonly cpuRequestMillicores: number;
  readonly cpuLimitMillicores: number;
  readonly memoryRequestBytes: number;
  readonly memoryLimitBytes: number;
}

const MIB = 1024 * 1024;

/** The port every demo service listens on inside its pod (and the port of its Kubernetes Service). */
export const SHOP_PORT = 8080;

/** The image every demo container runs; the tag selects the release (see releases.ts). */
export const DEMO_IMAGE_REPOSITORY = "causeway.dev/demo-app";
export const DEMO_IMAGE_TAG = "1.0.0";

/**
 * frontend → checkout → payments, checkout → inventory, and a load generator calling frontend.
 * A service charges its cgroup about 25-35 MiB (a Node.js heap with the OpenTelemetry SDK; the
 * node binary's pages are charged elsewhere). checkout's 128 MiB limit holds that but not the
 * 120 MiB the memory-leak fault retains on top, while the 192 MiB the causal engine proposes
 * (1.5× the limit) holds both with room below the near-limit threshold (85%).
 */
export const SHOP_SERVICES: readonly ShopServiceSpec[] = [
  {
    name: "frontend",
    method: "GET",
    path: "/",
    calls: [{ service: "checkout", method: "POST", path: "/checkout" }],
    latencyMs: 2,
    replicas: 1,
    cpuRequestMillicores: 50,
    cpuLimitMillicores: 500,
    memoryRequestBytes: 96 * MIB,
    memoryLimitBytes: 256 * MIB,
  },
  {
    name: "checkout",
    method: "POST",
    path: "/checkout",
    calls: [
      { service: "inventory", method: "GET", path: "/reserve" },
      { service: "payments", method: "POST", path: "/charge" },
    ],
    latencyMs: 5,
    replicas: 1,
    cpuRequestMillicores: 50,
    cpuLimitMillicores: 500,
    memoryRequestBytes: 64 * MIB,
    memoryLimitBytes: 128 * MIB,
  },
  {
    name: "payments",
    method: "POST",
    path: "/charge",
    calls: [],
    latencyMs: 10,
    replicas: 1,
    cpuRequestMillicores: 50,
    cpuLimitMillicores: 100,
    memoryRequestBytes: 96 * MIB,
    memoryLimitBytes: 256 * MIB,
  },
  {
    name: "inventory",
    method: "GET",
    path: "/reserve",
    calls: [],
    latencyMs: 3,
    replicas: 1,
    cpuRequestMillicores: 50,
    cpuLimitMillicores: 500,
    memoryRequestBytes: 96 * MIB,
    memoryLimitBytes: 256 * MIB,
  },
];

/** The load generator's Deployment name and what it calls. */
export const LOAD_GENERATOR = {
  name: "loadgen",
  target: { service: "frontend", method: "GET", path: "/" } satisfies DownstreamCall,
  cpuRequestMillicores: 50,
  cpuLimitMillicores: 500,
  memoryLimitBytes: 256 * MIB,
} as const;

/** The spec of a shop service by name. */
export function shopService(name: string): ShopServiceSpec | undefined {
  return SHOP_SERVICES.find((s) => s.name === name);
}
