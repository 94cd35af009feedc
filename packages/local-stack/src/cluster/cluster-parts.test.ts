import { ACTION_RBAC, REMEDIATION_ACTIONS } from "@causeway/remediation";
import { describe, expect, it } from "vitest";
import { suiteRbacObjects } from "./bootstrap.js";
import { kubeconfigYaml, readKubeconfigCluster, readKubeconfigToken } from "./kubeconfig.js";
import { directoryFromSlices } from "./service-directory-sync.js";

describe("suite RBAC", () => {
  const objects = suiteRbacObjects();
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);

  it("gives each remediation action its own ServiceAccount and exactly the chart's rules", () => {
    for (const action of REMEDIATION_ACTIONS) {
      expect(find("ServiceAccount", `causeway-action-${action}`)).toBeDefined();
      expect(find("ClusterRole", `causeway-action-${action}`)?.rules).toEqual(ACTION_RBAC[action].rules);
      expect(find("ClusterRoleBinding", `causeway-action-${action}`)?.subjects).toEqual([
        { kind: "ServiceAccount", name: `causeway-action-${action}`, namespace: "causeway" },
      ]);
    }
  });

  it("lets the executor mint tokens only for the action accounts, and the approver only approve", () => {
    const role = find("Role", "causeway-executor");
    expect(role?.rules[1]).toMatchObject({
      resources: ["serviceaccounts/token"],
      verbs: ["create"],
      resourceNames: REMEDIATION_ACTIONS.map((a) => `causeway-action-${a}`),
    });
    expect(find("ClusterRole", "causeway-approver")?.rules).toEqual([
      { apiGroups: ["causeway.dev"], resources: ["remediations"], verbs: ["approve"] },
    ]);
    expect(find("ClusterRole", "causeway-agent")?.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
    ]);
  });
});

describe("kubeconfig", () => {
  it("round-trips server, CA and token", () => {
    const yaml = kubeconfigYaml({
      server: "https://127.0.0.1:6443",
      caCert: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n",
      token: "t0k",
      user: "causeway-agent",
      namespace: "causeway",
    });
    expect(readKubeconfigCluster(yaml)).toEqual({
      server: "https://127.0.0.1:6443",
      ca: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n",
    });
    expect(readKubeconfigToken(yaml)).toBe("t0k");
    expect(() => readKubeconfigCluster("apiVersion: v1\n")).toThrow(/no server/);
  });
});

describe("service directory", () => {
  it("keeps ready endpoints per service from EndpointSlices", () => {
    const slice = (service: string, endpoints: object[]) => ({
      metadata: {
        namespace: "shop",
        name: `${service}-x`,
        labels: { "kubernetes.io/service-name": service },
      },
      ports: [{ port: 8080 }],
      endpoints,
    });
    expect(
      directoryFromSlices([
        slice("checkout", [
          { addresses: ["10.244.0.9"], conditions: { ready: true } },
          { addresses: ["10.244.0.3"], conditions: { ready: true } },
          { addresses: ["10.244.0.4"], conditions: { ready: false } },
        ]),
        slice("payments", []),
        { metadata: { namespace: "shop", name: "odd" }, ports: [], endpoints: [] },
      ]),
    ).toEqual({
      "shop/checkout": [
        { ip: "10.244.0.3", port: 8080 },
        { ip: "10.244.0.9", port: 8080 },
      ],
      "shop/payments": [],
    });
  });
});
