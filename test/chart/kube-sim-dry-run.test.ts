// Every object the chart renders, in every CI scenario, must be accepted by kube-sim with
// server-side dry run (POST ...?dryRun=All).
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ciValuesFiles, type K8sObject, NAMESPACE, template } from "./helm.js";

/** kind -> [plural, namespaced] for every kind the chart renders. */
const RESOURCES: Record<string, [string, boolean]> = {
  ServiceAccount: ["serviceaccounts", true],
  Secret: ["secrets", true],
  Service: ["services", true],
  PersistentVolumeClaim: ["persistentvolumeclaims", true],
  Deployment: ["deployments", true],
  DaemonSet: ["daemonsets", true],
  StatefulSet: ["statefulsets", true],
  PodDisruptionBudget: ["poddisruptionbudgets", true],
  NetworkPolicy: ["networkpolicies", true],
  Role: ["roles", true],
  RoleBinding: ["rolebindings", true],
  ClusterRole: ["clusterroles", false],
  ClusterRoleBinding: ["clusterrolebindings", false],
  PriorityClass: ["priorityclasses", false],
  ServiceMonitor: ["servicemonitors", true],
};

describe("rendered chart against kube-sim (server-side dry run)", () => {
  let sim: RunningKubeSim | undefined;
  let base = "";
  let auth: Record<string, string> = {};

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0 });
    base = sim.url;
    auth = { authorization: `Bearer ${sim.adminToken}` };
    const ns = await fetch(`${base}/api/v1/namespaces`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }),
    });
    expect([200, 201, 409]).toContain(ns.status);
  });

  afterAll(async () => {
    await sim?.close();
  });

  it.each(ciValuesFiles())(
    "%s: every object is accepted with dryRun=All and nothing is persisted",
    async (file) => {
      const objs: K8sObject[] = await template([file]);
      for (const o of objs) {
        if (o.apiVersion.startsWith("monitoring.coreos.com/")) continue; // CRD not served by kube-sim
        const res = RESOURCES[o.kind];
        if (!res) throw new Error(`no resource mapping for kind ${o.kind}`);
        const [plural, namespaced] = res;
        const prefix = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
        const path = `${prefix}${namespaced ? `/namespaces/${NAMESPACE}` : ""}/${plural}`;
        const post = await fetch(`${base}${path}?dryRun=All`, {
          method: "POST",
          headers: { "content-type": "application/json", ...auth },
          body: JSON.stringify(o),
        });
        expect(post.status, `${o.kind}/${o.metadata.name}: ${await post.clone().text()}`).toBeLessThan(300);
        const get = await fetch(`${base}${path}/${o.metadata.name}`, { headers: auth });
        expect(get.status, `${o.kind}/${o.metadata.name} must not be persisted by a dry run`).toBe(404);
      }
    },
  );
});
