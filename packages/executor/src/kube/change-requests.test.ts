import { type RemediationChange } from "@causeway/remediation";
import { describe, expect, it } from "vitest";
import { rollbackOf, targetPath } from "./change-requests.js";

describe("change requests", () => {
  it("address namespaced and cluster-scoped targets", () => {
    expect(
      targetPath({
        action: "delete-pod",
        target: { apiVersion: "v1", kind: "Pod", namespace: "shop", name: "p" },
      }),
    ).toBe("/api/v1/namespaces/shop/pods/p");
    expect(targetPath({ action: "cordon", target: { apiVersion: "v1", kind: "Node", name: "n1" } })).toBe(
      "/api/v1/nodes/n1",
    );
  });

  it("undo set-resources by restoring the container's previous resources, clearing new ones", () => {
    const change: RemediationChange = {
      action: "set-resources",
      target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "d" },
      container: "app",
      resources: { limits: { memory: "1Gi" } },
    };
    const before = {
      spec: {
        template: { spec: { containers: [{ name: "app", resources: { limits: { memory: "512Mi" } } }] } },
      },
    };
    expect(rollbackOf(change, before)).toEqual({
      method: "PATCH",
      path: "/apis/apps/v1/namespaces/shop/deployments/d",
      patchType: "strategic",
      body: {
        spec: {
          template: {
            spec: {
              containers: [{ name: "app", resources: { limits: { memory: "512Mi" }, requests: null } }],
            },
          },
        },
      },
    });
  });

  it("undo scale and cordon from the state before; a restart has no undo", () => {
    const target = { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "d" } as const;
    expect(rollbackOf({ action: "scale", target, replicas: 5 }, { spec: { replicas: 2 } })?.body).toEqual({
      spec: { replicas: 2 },
    });
    expect(
      rollbackOf({ action: "cordon", target: { apiVersion: "v1", kind: "Node", name: "n" } }, { spec: {} })
        ?.body,
    ).toEqual({ spec: { unschedulable: false } });
    expect(
      rollbackOf({ action: "rollout-restart", target, restartedAt: "2026-11-23T00:00:00Z" }, { spec: {} }),
    ).toBeUndefined();
  });
});
