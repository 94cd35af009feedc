import { type KubeApiServer } from "../api-server.js";
import { TYPES, findResourceType, type ResourceType } from "../resources.js";
import { type KubeObject } from "../store.js";
import { timestamp } from "./pod-template.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

function targetType(ref: Any): ResourceType | undefined {
  const [group, version] = String(ref.apiVersion ?? "apps/v1").split("/") as [string, string | undefined];
  return version
    ? findResourceType(group, version, `${String(ref.kind ?? "").toLowerCase()}s`)
    : findResourceType("", group, `${String(ref.kind ?? "").toLowerCase()}s`);
}

/**
 * HorizontalPodAutoscaler without metrics: it keeps its target's replicas within
 * [minReplicas, maxReplicas] (scaling it when outside) and reports currentReplicas,
 * desiredReplicas and the AbleToScale/ScalingActive/ScalingLimited conditions, so "at its maximum"
 * is visible as on a real cluster. No metric-driven scaling.
 */
export function reconcileHpa(server: KubeApiServer, namespace: string, name: string): void {
  const hpa = server.store.get(TYPES.hpas, namespace, name) as (KubeObject & Any) | undefined;
  if (!hpa) return;
  const ref = hpa.spec?.scaleTargetRef ?? {};
  const type = targetType(ref);
  const target = type
    ? (server.store.get(type, namespace, String(ref.name ?? "")) as (KubeObject & Any) | undefined)
    : undefined;
  const now = timestamp(server.clock());
  const prev: Any[] = hpa.status?.conditions ?? [];
  const cond = (t: string, status: string, reason: string, message: string): Any => {
    const old = prev.find((c) => c.type === t);
    return {
      type: t,
      status,
      lastTransitionTime: old?.status === status ? old.lastTransitionTime : now,
      reason,
      message,
    };
  };
  if (!target || !type) {
    server.write(TYPES.hpas, {
      ...hpa,
      status: {
        ...(hpa.status ?? {}),
        currentReplicas: 0,
        desiredReplicas: 0,
        conditions: [
          cond(
            "AbleToScale",
            "False",
            "FailedGetScale",
            `the HPA controller was unable to get the target's current scale: ${String(ref.kind)} "${String(ref.name)}" not found`,
          ),
        ],
      },
    });
    return;
  }
  const min: number = hpa.spec?.minReplicas ?? 1;
  const max: number = hpa.spec?.maxReplicas ?? 1;
  const current: number = target.spec?.replicas ?? 1;
  const desired = Math.min(max, Math.max(min, current));
  if (desired !== current) {
    server.write(type, {
      ...target,
      spec: { ...target.spec, replicas: desired },
      metadata: { ...target.metadata, generation: (target.metadata.generation ?? 1) + 1 },
    });
    server.events.record({
      involved: hpa,
      type: "Normal",
      reason: "SuccessfulRescale",
      message: `New size: ${desired}; reason: ${desired > current ? "Current number of replicas below Spec.MinReplicas" : "Current number of replicas above Spec.MaxReplicas"}`,
      component: "horizontal-pod-autoscaler",
    });
  }
  const limited = desired === max ? "TooManyReplicas" : desired === min ? "TooFewReplicas" : undefined;
  server.write(TYPES.hpas, {
    ...hpa,
    status: {
      observedGeneration: hpa.metadata.generation ?? 1,
      ...(desired !== current
        ? { lastScaleTime: now }
        : hpa.status?.lastScaleTime
          ? { lastScaleTime: hpa.status.lastScaleTime }
          : {}),
      currentReplicas: current,
      desiredReplicas: desired,
      currentMetrics: null,
      conditions: [
        cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
        cond(
          "ScalingActive",
          "False",
          "FailedGetResourceMetric",
          "the HPA was unable to compute the replica count: no metrics are simulated",
        ),
        limited
          ? cond(
              "ScalingLimited",
              "True",
              limited,
              `the desired replica count is ${limited === "TooManyReplicas" ? "more than the maximum" : "less than the minimum"} replica count`,
            )
          : cond(
              "ScalingLimited",
              "False",
              "DesiredWithinRange",
              "the desired count is within the acceptable range",
            ),
      ],
    },
  });
}
