import { createHash } from "node:crypto";
import { canonicalJson } from "@causeway/audit";
import { z } from "zod";

const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes object name");
const namespace = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name");
const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, "must be a Kubernetes quantity");
const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();

const workloadTarget = (kinds: readonly [string, ...string[]]) =>
  z
    .object({
      apiVersion: z.literal("apps/v1"),
      kind: z.enum(kinds as [string, ...string[]]),
      namespace,
      name,
    })
    .strict();

/**
 * Every remediation as the exact change it makes. The change is what a human approves: its
 * SHA-256 over canonical JSON is bound into the approval and the signed task.
 */
export const remediationChangeSchema = z.discriminatedUnion("action", [
  z
    .object({
      action: z.literal("rollout-restart"),
      target: workloadTarget(["Deployment", "StatefulSet", "DaemonSet"]),
      /** Written to the pod template's kubectl.kubernetes.io/restartedAt annotation. */
      restartedAt: z.string().datetime(),
    })
    .strict(),
  z
    .object({
      action: z.literal("scale"),
      target: workloadTarget(["Deployment", "StatefulSet"]),
      replicas: z.number().int().min(0).max(1000),
    })
    .strict(),
  z
    .object({
      action: z.literal("set-resources"),
      target: workloadTarget(["Deployment", "StatefulSet", "DaemonSet"]),
      container: name,
      resources: z.object({ limits: resourceList.optional(), requests: resourceList.optional() }).strict(),
    })
    .strict(),
  z
    .object({
      action: z.literal("rollout-undo"),
      target: workloadTarget(["Deployment"]),
      /** The deployment.kubernetes.io/revision to return to; the previous one when absent. */
      toRevision: z.number().int().min(1).optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal("delete-pod"),
      target: z.object({ apiVersion: z.literal("v1"), kind: z.literal("Pod"), namespace, name }).strict(),
    })
    .strict(),
  z
    .object({
      action: z.enum(["cordon", "uncordon"]),
      target: z.object({ apiVersion: z.literal("v1"), kind: z.literal("Node"), name }).strict(),
    })
    .strict(),
]);

export type RemediationChange = z.output<typeof remediationChangeSchema>;
export type RemediationAction = RemediationChange["action"];

export const REMEDIATION_ACTIONS = [
  "rollout-restart",
  "scale",
  "set-resources",
  "rollout-undo",
  "delete-pod",
  "cordon",
  "uncordon",
] as const satisfies readonly RemediationAction[];

/** Parses an untrusted change, listing every problem. */
export function parseRemediationChange(
  input: unknown,
): { ok: true; change: RemediationChange } | { ok: false; problems: string[] } {
  const result = remediationChangeSchema.safeParse(input);
  if (result.success) return { ok: true, change: result.data };
  return {
    ok: false,
    problems: result.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`,
    ),
  };
}

/** The canonical JSON of a change: the bytes approvals and tasks bind. */
export function canonicalChange(change: RemediationChange): string {
  return canonicalJson(change);
}

/** Hex SHA-256 of the canonical change. */
export function changeSha256(change: RemediationChange): string {
  return createHash("sha256").update(canonicalChange(change)).digest("hex");
}

/** The namespace a change acts in; undefined for cluster-scoped targets (nodes). */
export function changeNamespace(change: RemediationChange): string | undefined {
  return "namespace" in change.target ? change.target.namespace : undefined;
}
