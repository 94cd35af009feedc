export { Mediator, type MediatorOptions, type MediatorPorts } from "./mediator.js";
export {
  MEDIATOR_ENV,
  loadMediatorConfig,
  mediatorConfigSchema,
  parseMediatorConfig,
  type MediatorConfig,
  type MediatorConfigInput,
} from "./config.js";
export {
  TopologyGraph,
  relationKey,
  type EntityInput,
  type GraphChange,
  type GraphEntity,
  type GraphListener,
  type GraphRelation,
  type RelationInput,
} from "./graph/topology-graph.js";
export { IpIndex, type IpTenure } from "./graph/ip-index.js";
export {
  SymptomStore,
  type Symptom,
  type SymptomFilter,
  type SymptomInput,
} from "./symptoms/symptom-store.js";
export {
  ClusterModel,
  DEFAULT_CLUSTER_SYMPTOM_WINDOWS,
  KUBERNETES_SOURCE,
  type ClusterSymptomWindows,
  type ResourceKind,
  type WarningEvent,
} from "./kube/cluster-model.js";
export { WATCHED_RESOURCES, InformerSet } from "./kube/informers.js";
export { KubeApi, KubeApiError } from "./kube/kube-api.js";
export { AgentRegistry, type AgentView } from "./agents/agent-registry.js";
export { AgentIngest, agentSource } from "./agents/agent-ingest.js";
export {
  TokenAuthenticator,
  jwtExpiryMs,
  type AuthResult,
  type TokenIdentity,
} from "./agents/token-authenticator.js";
export {
  NoRootCauseEngine,
  type RootCauseEngine,
  type RootCauseReportView,
  type RootCauseSummary,
} from "./engine/root-cause-engine.js";
export { CausalEngineAdapter } from "./engine/causal-engine-adapter.js";
export { OTLP_SOURCE } from "./otlp/otlp-bridge.js";
