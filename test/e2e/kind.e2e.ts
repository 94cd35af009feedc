// End-to-end on kind: the chart is installed (by run-kind.sh), two faulty workloads are started, and
// the mediator's API must name their root causes. Kind cannot run on the development machines, so this
// file is not matched by the integration project (test/**/*.test.ts); run it with test/e2e/run-kind.sh.
import { execFile } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const enabled = process.env.CAUSEWAY_E2E_KIND === "1";
if (!enabled) {
  console.log(
    "kind e2e skipped: set CAUSEWAY_E2E_KIND=1 and run test/e2e/run-kind.sh (needs docker and kind)",
  );
}

const NS = process.env.CAUSEWAY_E2E_NAMESPACE ?? "causeway-system";
const APP_NS = "causeway-e2e-apps";
const RELEASE = process.env.CAUSEWAY_E2E_RELEASE ?? "causeway";
/** Mediator HTTP API path listing incidents with their ranked root causes. */
const INCIDENTS_PATH = process.env.CAUSEWAY_E2E_INCIDENTS_PATH ?? "/api/v1/incidents";
const DEADLINE_MS = 8 * 60_000;

async function kubectl(args: string[], input?: string): Promise<string> {
  const child = execFile("kubectl", args, { maxBuffer: 32 * 1024 * 1024 });
  if (input !== undefined) child.stdin?.end(input);
  return await new Promise((resolveOut, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) =>
      code === 0 ? resolveOut(out) : reject(new Error(`kubectl ${args.join(" ")}: ${err}`)),
    );
  });
}

const workloads = `
apiVersion: v1
kind: Namespace
metadata: { name: ${APP_NS} }
---
# Allocates without bound under a 32Mi limit: the kernel OOM-kills it again and again.
apiVersion: apps/v1
kind: Deployment
metadata: { name: memory-hog, namespace: ${APP_NS} }
spec:
  replicas: 1
  selector: { matchLabels: { app: memory-hog } }
  template:
    metadata: { labels: { app: memory-hog } }
    spec:
      containers:
        - name: hog
          image: busybox:1.36
          command: ["sh", "-c", "sleep 5; tail /dev/zero"]
          resources: { requests: { memory: 16Mi }, limits: { memory: 32Mi } }
---
# A backend that answers every request with HTTP 500, and a frontend that keeps calling it.
apiVersion: v1
kind: ConfigMap
metadata: { name: broken-backend, namespace: ${APP_NS} }
data:
  default.conf: |
    server { listen 8080; location / { return 500 "broken\\n"; } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: broken-backend, namespace: ${APP_NS} }
spec:
  replicas: 1
  selector: { matchLabels: { app: broken-backend } }
  template:
    metadata: { labels: { app: broken-backend } }
    spec:
      containers:
        - name: nginx
          image: nginx:1.27-alpine
          ports: [{ containerPort: 8080 }]
          volumeMounts: [{ name: conf, mountPath: /etc/nginx/conf.d }]
      volumes: [{ name: conf, configMap: { name: broken-backend } }]
---
apiVersion: v1
kind: Service
metadata: { name: broken-backend, namespace: ${APP_NS} }
spec:
  selector: { app: broken-backend }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: frontend, namespace: ${APP_NS} }
spec:
  replicas: 1
  selector: { matchLabels: { app: frontend } }
  template:
    metadata: { labels: { app: frontend } }
    spec:
      containers:
        - name: client
          image: busybox:1.36
          command: ["sh", "-c", "while true; do wget -q -O- http://broken-backend/ || true; sleep 0.2; done"]
`;

type Cause = {
  entity?: string;
  entityId?: string;
  kind?: string;
  symptom?: string;
  type?: string;
  score?: number;
};
type Incident = { rootCauses?: Cause[]; causes?: Cause[] };

let forward: ReturnType<typeof execFile> | undefined;
let baseUrl = "";

async function incidents(): Promise<Incident[]> {
  const res = await fetch(`${baseUrl}${INCIDENTS_PATH}`);
  if (!res.ok) throw new Error(`GET ${INCIDENTS_PATH}: ${res.status}`);
  const body = (await res.json()) as Incident[] | { items?: Incident[]; incidents?: Incident[] };
  return Array.isArray(body) ? body : (body.items ?? body.incidents ?? []);
}

/** Polls the API until some incident's top root cause matches; returns it or throws at the deadline. */
async function waitForRootCause(match: (c: Cause) => boolean, what: string): Promise<Cause> {
  const until = Date.now() + DEADLINE_MS;
  let last = "";
  while (Date.now() < until) {
    try {
      for (const inc of await incidents()) {
        const top = (inc.rootCauses ?? inc.causes ?? [])[0];
        if (top && match(top)) return top;
      }
      last = "no matching incident yet";
    } catch (err) {
      last = (err as Error).message;
    }
    await delay(5_000);
  }
  throw new Error(`no incident with root cause ${what} within ${DEADLINE_MS / 1000}s (${last})`);
}

describe.skipIf(!enabled)("Causeway on kind", () => {
  beforeAll(async () => {
    await kubectl(["-n", NS, "rollout", "status", `deployment/${RELEASE}-mediator`, "--timeout=300s"]);
    await kubectl(["-n", NS, "rollout", "status", `daemonset/${RELEASE}-agent`, "--timeout=300s"]);
    await kubectl(["apply", "-f", "-"], workloads);
    // Port-forward on a free local port (":8080" asks kubectl to pick one) and read it from its output.
    forward = execFile("kubectl", ["-n", NS, "port-forward", `svc/${RELEASE}-mediator`, ":8080"]);
    baseUrl = await new Promise<string>((resolveUrl, reject) => {
      forward?.stdout?.on("data", (d: Buffer) => {
        const m = /127\.0\.0\.1:(\d+)/.exec(d.toString());
        if (m) resolveUrl(`https://127.0.0.1:${m[1]}`);
      });
      forward?.on("close", (code) => reject(new Error(`port-forward exited ${code}`)));
    });
    // The chart's generated CA is self-signed: run-kind.sh passes it to node as NODE_EXTRA_CA_CERTS.
    const ca = await kubectl([
      "-n",
      NS,
      "get",
      "secret",
      `${RELEASE}-tls`,
      "-o",
      "jsonpath={.data.ca\\.crt}",
    ]);
    expect(ca.length).toBeGreaterThan(0);
  }, 600_000);

  afterAll(async () => {
    forward?.kill();
    await kubectl(["delete", "namespace", APP_NS, "--wait=false"]).catch(() => undefined);
  });

  it(
    "names the memory limit of memory-hog as the root cause of its OOM kills",
    async () => {
      const cause = await waitForRootCause(
        (c) =>
          /memory-hog/.test(`${c.entity ?? ""}${c.entityId ?? ""}`) &&
          /oom|memory/i.test(`${c.symptom ?? ""}${c.type ?? ""}`),
        "memory-hog OOM",
      );
      expect(cause.entityId ?? cause.entity).toMatch(/memory-hog/);
    },
    DEADLINE_MS + 30_000,
  );

  it(
    "names broken-backend (not frontend) as the root cause of the errors",
    async () => {
      const cause = await waitForRootCause(
        (c) =>
          /broken-backend|frontend/.test(`${c.entity ?? ""}${c.entityId ?? ""}`) &&
          /error/i.test(`${c.symptom ?? ""}${c.type ?? ""}`),
        "broken-backend errors",
      );
      expect(cause.entityId ?? cause.entity).toMatch(/broken-backend/);
    },
    DEADLINE_MS + 30_000,
  );
});
