export {
  CausalEngine,
  type CausalEngineOptions,
  type EngineStats,
  type TopologyDeltaInput,
} from "./engine.js";
export {
  DEFAULT_ENGINE_OPTIONS,
  engineOptionsSchema,
  type EngineOptions,
  type EngineOptionsInput,
} from "./engine-options.js";
export { type EngineEntity, type EngineRelation } from "./topology-graph.js";
export {
  type ExpectedSymptom,
  type ExplainedSymptom,
  type RemediationProposal,
  type RootCause,
  type RootCauseEntity,
  type RootCauseReport,
  type SymptomInput,
  type SymptomRef,
} from "./root-cause.js";
export { DEFAULT_MODEL, ROOT_CAUSE_TYPES } from "./model/default-model.js";
export { ModelError, compileModel, type CompiledModel } from "./model/compile-model.js";
export {
  type CausalModel,
  type EntityMatcher,
  type PathStep,
  type RemediationKind,
  type RootCauseTypeSpec,
  type SymptomEffect,
} from "./model/model-types.js";
