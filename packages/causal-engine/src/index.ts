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
export { generateTopology, type GeneratedTopology, type TopologyOptions } from "./eval/topology-generator.js";
export { TopologyView } from "./eval/topology-view.js";
export { FaultTargetPicker, simulateFault, type InjectedFault } from "./eval/fault-simulator.js";
export { NoiseGenerator, type NoiseOptions } from "./eval/noise.js";
export { Rng } from "./eval/rng.js";
export {
  SCENARIO_FORMAT,
  parseScenario,
  scenarioSchema,
  scenarioTopology,
  type Scenario,
} from "./eval/scenario.js";
export {
  EvalBench,
  runEvaluation,
  standardTopologies,
  summarize,
  toScenarioFile,
  type AccuracyCell,
  type EvalConfig,
  type EvalSummary,
  type EvalTopology,
  type ScenarioOutcome,
} from "./eval/evaluate.js";
