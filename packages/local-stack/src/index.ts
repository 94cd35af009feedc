export { loadLocalStackConfig, localStackConfigSchema, type LocalStackConfig } from "./config.js";
export { startLocalStack, type RunningStack } from "./stack.js";
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
