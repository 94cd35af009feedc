import { type IncomingMessage } from "node:http";
import { type KubeApiServer } from "../api-server.js";
import { ApiStatusError, statusErrors } from "../status.js";
import { type FaultHooks, type PressureCondition } from "./fault-hooks.js";

/** Path of the fault admin API. */
export const FAULT_API_PATH = "/kube-sim/v1/faults";

const PRESSURES = ["MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"];

/** A request to the fault admin API (`POST /kube-sim/v1/faults`). */
export interface FaultRequest {
  readonly action:
    | "crashLoop"
    | "oomKill"
    | "imagePullFailure"
    | "nodeNotReady"
    | "nodePressure"
    | "clearPod"
    | "clearNode"
    | "clearAll";
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly exitCode?: number;
  readonly node?: string;
  /** nodePressure/clearNode: MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable (or Ready). */
  readonly condition?: string;
  /** nodeNotReady: "False" (default) or "Unknown". */
  readonly status?: string;
}

function required(body: Record<string, unknown>, ...fields: string[]): void {
  const causes = fields
    .filter((f) => typeof body[f] !== "string" || body[f] === "")
    .map((f) => ({ field: f, message: "Required value", reason: "FieldValueRequired" }));
  if (causes.length > 0) throw statusErrors.invalid("Fault", "kube-sim.causeway.dev", "", causes);
}

/**
 * Serves the fault hooks over HTTP for programs outside the process (the local stack):
 * `GET /kube-sim/v1/faults` lists them, `POST` with a {@link FaultRequest} applies one. Only users
 * allowed `update` on `faults.kube-sim.causeway.dev` (cluster-admin) may call it.
 */
export function installFaultApi(server: KubeApiServer, faults: FaultHooks): void {
  server.addExtension(FAULT_API_PATH, (req: IncomingMessage, path, body, user) => {
    if (path !== FAULT_API_PATH)
      throw new ApiStatusError(404, "NotFound", "the server could not find the requested resource");
    const verb = req.method === "GET" ? "list" : "update";
    if (!server.authorize(user, { verb, group: "kube-sim.causeway.dev", resource: "faults" }).allowed)
      throw statusErrors.forbidden(user.username, verb, "faults", "kube-sim.causeway.dev", undefined);
    if (req.method === "GET") return { kind: "FaultList", items: faults.list() };
    if (req.method !== "POST")
      throw statusErrors.methodNotAllowed(`${req.method ?? ""} is not supported on ${path}`);
    if (body === null || typeof body !== "object" || Array.isArray(body))
      throw statusErrors.badRequest("the request body must be a JSON object");
    const b = body as FaultRequest & Record<string, unknown>;
    const pod = () => ({
      namespace: b.namespace as string,
      pod: b.pod as string,
      ...(b.container ? { container: b.container } : {}),
    });
    try {
      switch (b.action) {
        case "crashLoop":
          required(b, "namespace", "pod");
          faults.crashLoop({ ...pod(), ...(typeof b.exitCode === "number" ? { exitCode: b.exitCode } : {}) });
          break;
        case "oomKill":
          required(b, "namespace", "pod");
          faults.oomKill(pod());
          break;
        case "imagePullFailure":
          required(b, "namespace", "pod");
          faults.imagePullFailure(pod());
          break;
        case "nodeNotReady":
          required(b, "node");
          faults.nodeNotReady(b.node as string, b.status === "Unknown" ? "Unknown" : "False");
          break;
        case "nodePressure":
          required(b, "node", "condition");
          if (!PRESSURES.includes(b.condition as string))
            throw statusErrors.invalid("Fault", "kube-sim.causeway.dev", "", [
              {
                field: "condition",
                message: `Unsupported value: "${String(b.condition)}": supported values: ${PRESSURES.map((p) => `"${p}"`).join(", ")}`,
                reason: "FieldValueNotSupported",
              },
            ]);
          faults.nodePressure(b.node as string, b.condition as PressureCondition);
          break;
        case "clearPod":
          required(b, "namespace", "pod");
          faults.clearPod(b.namespace as string, b.pod as string, b.container);
          break;
        case "clearNode":
          required(b, "node");
          faults.clearNode(b.node as string, b.condition as PressureCondition | "Ready" | undefined);
          break;
        case "clearAll":
          faults.clearAll();
          break;
        default:
          throw statusErrors.invalid("Fault", "kube-sim.causeway.dev", "", [
            {
              field: "action",
              message: `Unsupported value: "${String(b.action)}": supported values: "crashLoop", "oomKill", "imagePullFailure", "nodeNotReady", "nodePressure", "clearPod", "clearNode", "clearAll"`,
              reason: "FieldValueNotSupported",
            },
          ]);
      }
    } catch (error) {
      if (error instanceof ApiStatusError) throw error;
      throw new ApiStatusError(404, "NotFound", (error as Error).message);
    }
    return { kind: "FaultList", items: faults.list() };
  });
}
