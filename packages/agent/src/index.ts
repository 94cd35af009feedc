export { Agent, AGENT_VERSION, type AgentEvents, type AgentOptions } from "./agent.js";
export {
  AGENT_ENV,
  agentConfigSchema,
  loadAgentConfig,
  parseAgentConfig,
  type AgentConfig,
  type AgentConfigInput,
} from "./config.js";
export {
  MediatorStream,
  type AgentMessageBody,
  type MediatorStreamEvents,
  type MediatorStreamOptions,
  type MediatorStreamStats,
  type MediatorTls,
} from "./stream/mediator-stream.js";
export { ReplayBuffer, type PendingMessage, type ReplayBufferLimits } from "./stream/replay-buffer.js";
export { detectCgroupLayout, type CgroupLayout } from "./cgroup/cgroup-layout.js";
export { scanCgroups, type ScanOptions, type TrackedCgroup } from "./cgroup/cgroup-scanner.js";
export { readCgroupStats, type CgroupStats, type Pressure } from "./cgroup/cgroup-stats.js";
export {
  parseContainerCgroup,
  parseContainerStatusId,
  parsePodSegment,
  type ContainerCgroup,
  type ContainerRuntime,
} from "./cgroup/container-id.js";
export {
  HOST_NAMESPACE,
  joinContainers,
  type ContainerIdentity,
  type JoinResult,
} from "./kube/container-join.js";
export { KubePodSource, type KubePodSourceOptions } from "./kube/kube-pod-source.js";
export {
  KubeHttpError,
  getJson,
  inClusterAccess,
  kubeconfigAccess,
  type KubeAccess,
} from "./kube/kube-access.js";
export { StaticPodSource, type PodSource, type PodSourceEvents } from "./kube/pod-source.js";
export { podInfoFromKube, type KubePod, type PodContainerInfo, type PodInfo } from "./kube/pod-info.js";
export { SymptomEngine, type Observations } from "./symptoms/symptom-engine.js";
export { EventHold, Hysteresis, linearTrend, type LevelThresholds } from "./symptoms/hysteresis.js";
export { TopologyDiffer, relationKey, type TopologySnapshot } from "./topology/topology-diff.js";
