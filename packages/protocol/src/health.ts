import { type Server } from "@grpc/grpc-js";
import {
  HealthImplementation,
  service as healthServiceDefinition,
  type ServingStatus,
} from "grpc-health-check";

/** Fully qualified gRPC service names, as registered in the health service. */
export const GRPC_SERVICE_NAMES = {
  agent: "causeway.agent.v1.AgentService",
  executor: "causeway.executor.v1.ExecutorService",
} as const;

/**
 * Adds the standard gRPC health service (grpc.health.v1.Health) to `server`. The overall status
 * (service "") and each named service start as given; call `setStatus` on the result to change them.
 */
export function addHealthService(
  server: Server,
  statuses: Readonly<Record<string, ServingStatus>>,
): HealthImplementation {
  const health = new HealthImplementation({ ...statuses });
  health.addToServer(server);
  return health;
}

export { HealthImplementation, healthServiceDefinition, type ServingStatus };
