export {
  ENTITY_KINDS,
  RELATION_TYPES,
  SYMPTOM_TYPES,
  WORKLOAD_KINDS,
  entityId,
  type EntityKind,
  type RelationType,
  type SymptomType,
  type WorkloadKind,
} from "./vocabulary.js";
