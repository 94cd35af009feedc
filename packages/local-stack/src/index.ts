export {
  loadLocalStackConfig,
  localStackConfigSchema,
  type LocalStackConfig,
  type LocalStackConfigInput,
} from "./config.js";
export {
  CONTROL_FILE,
  approverTokenCommand,
  runningControlUrl,
  startLocalStack,
  type RunningStack,
  type StackStatus,
  type StackUrls,
} from "./stack.js";
export { Progress, SILENT_PROGRESS, type ProgressSink } from "./progress.js";
export { Supervisor, type ManagedProcess } from "./supervisor.js";
export { ProcessRegistry, processStartTicks } from "./host/process-registry.js";
export { detectCapabilities, type HostCapabilities } from "./host/capabilities.js";
export {
  APPROVER_SERVICE_ACCOUNT,
  MEDIATOR_AUDIENCE,
  SUITE_NAMESPACE,
  bootstrapCluster,
  suiteRbacObjects,
  type ClusterCredentials,
} from "./cluster/bootstrap.js";
export { kubeconfigYaml, readKubeconfigCluster, readKubeconfigToken } from "./cluster/kubeconfig.js";
export { ServiceDirectorySync, directoryFromSlices } from "./cluster/service-directory-sync.js";
export {
  FAULT_KINDS,
  FaultController,
  type ActiveFault,
  type FaultKind,
  type FaultRequest,
} from "./faults/fault-controller.js";
export { createControlServer, listenControl } from "./faults/control-server.js";
export { ListWatch } from "./kube/list-watch.js";
export {
  detectCgroupHierarchies,
  hierarchyRoots,
  readOomKills,
  removeCgroupTree,
  type CgroupHierarchies,
  type CgroupLimits,
} from "./host/cgroups.js";
export {
  NETWORK_NAMES,
  PodNetwork,
  removeNetworkLeftovers,
  type LossRule,
  type PodNetworkHandle,
} from "./host/pod-network.js";
export {
  KubeClient,
  KubeRequestError,
  collectionPath,
  type KubeObject,
  type WatchEvent,
} from "./kube/kube-client.js";
export { EXTERNAL_NODE_LABEL, LocalKubelet, type LocalKubeletOptions } from "./kubelet/local-kubelet.js";
export { ImageStore, type LocalImage } from "./kubelet/image-store.js";
export { restartDelayMs, type RestartBackoffOptions } from "./kubelet/restart-backoff.js";
export { containerEnvironment, expandVariables } from "./kubelet/container-env.js";
export { PodWorker, qosClass } from "./kubelet/pod-worker.js";
