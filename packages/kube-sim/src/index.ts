export { KubeApiServer, randomSuffix, type KubeApiServerOptions } from "./api-server.js";
export { startKubeSim, type RunningKubeSim, type StartKubeSimOptions } from "./start.js";
export { ApiStatusError, type FieldCause } from "./status.js";
export { DEFAULT_AUDIENCE } from "./tokens.js";
export { RESOURCE_TYPES, TYPES, apiVersionOf, findResourceType, type ResourceType } from "./resources.js";
export { type UserInfo, type ResourceAttributes } from "./rbac.js";
export {
  DEFAULT_WATCH_HISTORY_SIZE,
  ObjectStore,
  type KubeObject,
  type StoreEvent,
  type StoredEntry,
} from "./store.js";
export { ControllerManager, type ControllerManagerOptions } from "./controllers/controller-manager.js";
export { EXTERNAL_NODE_LABEL, SimulatedKubelet } from "./controllers/kubelet.js";
export { EXTERNAL_ANNOTATION } from "./controllers/scheduler.js";
export { podTemplateHash } from "./controllers/pod-template.js";
export {
  FaultHooks,
  type FaultDescription,
  type PodTarget,
  type PressureCondition,
} from "./faults/fault-hooks.js";
export { FAULT_API_PATH, installFaultApi, type FaultRequest } from "./faults/fault-api.js";
export { kubeconfigYaml, writeKubeconfig, type KubeconfigSpec } from "./kubeconfig.js";
export { createServingCertificate, type ServingCertificate } from "./tls.js";
export {
  SCALABILITY_LIMITS,
  generateCluster,
  type GenerateClusterOptions,
  type GeneratedCluster,
} from "./generator.js";
export { kubeSimConfigSchema, loadKubeSimConfig, type KubeSimConfig } from "./config.js";
