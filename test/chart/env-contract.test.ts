// The chart and the services' config.ts cannot drift apart: for every CI scenario, every CAUSEWAY_*
// variable the chart sets on the mediator, agent and executor is one that service's config actually
// reads, the rendered environment loads into a valid configuration, and every file a variable
// names is mounted from a volume that holds it.
import { AGENT_ENV, loadAgentConfig } from "@causeway/agent";
import { EXECUTOR_ENV, loadExecutorConfig } from "@causeway/executor";
import { MEDIATOR_ENV, loadMediatorConfig } from "@causeway/mediator";
import { describe, expect, it } from "vitest";
import { NAMESPACE, chartDir, ciValuesFiles, find, helm, template, type K8sObject } from "./helm.js";

type Json = Record<string, unknown>;
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: unknown };
}
interface Mount {
  name: string;
  mountPath: string;
}
interface KeyToPath {
  key: string;
  path: string;
}

const SERVICES: Record<
  string,
  { env: Readonly<Record<string, string>>; load: (env: NodeJS.ProcessEnv) => unknown }
> = {
  mediator: { env: MEDIATOR_ENV, load: (env) => loadMediatorConfig([], env) },
  agent: { env: AGENT_ENV, load: (env) => loadAgentConfig([], env) },
  executor: { env: EXECUTOR_ENV, load: (env) => loadExecutorConfig([], env) },
};

const FIELD_VALUES: Record<string, string> = {
  "metadata.namespace": NAMESPACE,
  "metadata.name": "cw-causeway-executor-5d8c-x1",
  "spec.nodeName": "node-a",
};

function podSpec(o: K8sObject): Json {
  return ((o.spec as Json).template as Json).spec as Json;
}

/** The files a volume provides, relative to its mount path; undefined when any file may exist. */
function filesOf(volume: Json): string[] | undefined {
  const items = (list: unknown): string[] => ((list as KeyToPath[] | undefined) ?? []).map((i) => i.path);
  if (volume.secret) {
    const listed = items((volume.secret as Json).items);
    return listed.length > 0 ? listed : undefined;
  }
  if (volume.projected) {
    const out: string[] = [];
    for (const source of (volume.projected as { sources: Json[] }).sources) {
      if (source.serviceAccountToken) out.push((source.serviceAccountToken as { path: string }).path);
      for (const kind of ["secret", "configMap"])
        if (source[kind]) out.push(...items((source[kind] as Json).items));
    }
    return out;
  }
  return undefined;
}

const scenarios = ["default-values.yaml", ...ciValuesFiles().filter((f) => f !== "default-values.yaml")];

describe("chart environment ↔ service configuration", () => {
  it.each(scenarios)(
    "%s: every CAUSEWAY_* variable is read, loads, and names a mounted file",
    async (file) => {
      const objs = await template([file]);
      const workloads = objs.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet");
      let checked = 0;
      for (const w of workloads) {
        const component = w.metadata.labels?.["app.kubernetes.io/component"] ?? "";
        const service = SERVICES[component];
        if (!service) continue;
        const spec = podSpec(w);
        const c = (spec.containers as Json[])[0] as Json;
        const vars = (c.env as EnvVar[] | undefined) ?? [];
        const names = vars.map((v) => v.name).filter((n) => n.startsWith("CAUSEWAY_"));
        expect(names.length, `${component} sets CAUSEWAY_* variables`).toBeGreaterThan(3);
        const unread = names.filter((n) => !(n in service.env));
        expect(unread, `${file}: ${component} sets variables its config.ts does not read`).toEqual([]);
        expect(new Set(names).size, `${component}: a variable set twice`).toBe(names.length);

        // The rendered environment is a valid configuration for the service.
        const env: NodeJS.ProcessEnv = {};
        for (const v of vars) {
          const field = v.valueFrom?.fieldRef?.fieldPath;
          env[v.name] = v.value ?? (field ? FIELD_VALUES[field] : undefined) ?? "x";
        }
        expect(() => service.load(env), `${file}: ${component}`).not.toThrow();

        // Every file named is under a mount, and the volume behind it holds that file.
        const mounts = (c.volumeMounts as Mount[] | undefined) ?? [];
        const volumes = (spec.volumes as Json[] | undefined) ?? [];
        for (const v of vars) {
          if (!/(_FILE|_FILES|^NODE_EXTRA_CA_CERTS)$/.test(v.name) || v.value === undefined) continue;
          for (const path of v.value.split(",")) {
            const mount = mounts.find((m) => path.startsWith(`${m.mountPath}/`));
            expect(mount, `${file}: ${component} ${v.name}=${path} is not mounted`).toBeDefined();
            if (!mount) continue;
            const volume = volumes.find((x) => x.name === mount.name);
            expect(volume, `${component}: volume ${mount.name}`).toBeDefined();
            const files = volume ? filesOf(volume) : undefined;
            if (files)
              expect(files, `${file}: ${component} ${v.name}`).toContain(
                path.slice(mount.mountPath.length + 1),
              );
          }
        }
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(2);
    },
  );

  it("derives the agent and executor allowlists from the chart's ServiceAccounts", async () => {
    const objs = await template(["executor-values.yaml"]);
    const env = ((podSpec(find(objs, "Deployment", "-mediator")).containers as Json[])[0] as Json)
      .env as EnvVar[];
    const value = (n: string) => env.find((v) => v.name === n)?.value;
    const accounts = objs.filter((o) => o.kind === "ServiceAccount").map((o) => o.metadata.name);
    for (const [variable, suffix] of [
      ["CAUSEWAY_AGENT_USERNAMES", "-agent"],
      ["CAUSEWAY_EXECUTOR_USERNAMES", "-executor"],
    ] as const) {
      const account = accounts.find((a) => a.endsWith(`causeway${suffix}`));
      expect(account).toBeDefined();
      expect(value(variable)).toBe(`system:serviceaccount:${NAMESPACE}:${account}`);
    }
    // The executor's token carries the mediator's audience; it reads it and the CA from the mount.
    const executor = find(objs, "Deployment", "-executor");
    const projected = (podSpec(executor).volumes as Json[]).find((v) => v.name === "mediator-token")
      ?.projected as { sources: Json[] };
    expect(projected.sources.find((s) => s.serviceAccountToken)?.serviceAccountToken).toMatchObject({
      audience: "causeway-mediator",
    });
  });

  it("mounts the upstream Secret and the signing key only where they belong", async () => {
    const upstream = await template(["upstream-values.yaml"]);
    const mediator = podSpec(find(upstream, "Deployment", "-mediator"));
    const secrets = (mediator.volumes as Json[])
      .filter((v) => v.secret)
      .map((v) => (v.secret as Json).secretName);
    expect(secrets).toEqual(expect.arrayContaining(["causeway-upstream", "causeway-upstream-ca"]));
    const signed = await template(["executor-signing-key-values.yaml"]);
    const volumeOf = (o: K8sObject, name: string) =>
      (podSpec(o).volumes as Json[]).find((v) => v.name === name)?.secret as
        { items: KeyToPath[] } | undefined;
    expect(volumeOf(find(signed, "Deployment", "-mediator"), "signing-key")?.items).toEqual([
      { key: "signing-key.pem", path: "signing-key.pem" },
    ]);
    // The executor gets only the public half.
    expect(volumeOf(find(signed, "Deployment", "-executor"), "mediator-key")?.items).toEqual([
      { key: "public-key.pem", path: "public-key.pem" },
    ]);
  });

  it("refuses incomplete upstream settings and an executor that could not verify tasks", async () => {
    const missing = await helm([
      "template",
      "x",
      chartDir,
      "--set",
      "mediator.upstream.enabled=true",
      "--set",
      "mediator.upstream.url=wss://up.example",
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("mediator.upstream.enabled requires mediator.upstream.tenantId");
    const plain = await helm([
      "template",
      "x",
      chartDir,
      "--set",
      "executor.enabled=true",
      "--set",
      "tls.enabled=false",
    ]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain("executor.enabled needs mediator.signingKey.existingSecret");
    const http = await helm(["template", "x", chartDir, "--set", "mediator.upstream.url=https://x"]);
    expect(http.code).not.toBe(0);
    expect(http.stderr).toMatch(/schema|pattern|does not match/i);
  });
});
