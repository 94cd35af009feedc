/**
 * The abstraction step: the only fields of topology, symptoms and root causes that may leave the
 * cluster. Whatever the caller passes, only what is picked here goes on, so a caller cannot leak
 * by passing too much (attributes such as IPs, evidence numbers, raw data). Masking comes after.
 */

/** A topology entity as the mediator holds it (shaped like `Entity` in @causeway/protocol). */
export interface EntityInput {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Kubernetes labels travel as `label.<key>` attributes. */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface RelationInput {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface RelationKeyInput {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
}

/** A topology change (shaped like `TopologyDelta` in @causeway/protocol). */
export interface TopologyOffer {
  readonly upsertEntities?: readonly EntityInput[];
  readonly deleteEntityIds?: readonly string[];
  readonly upsertRelations?: readonly RelationInput[];
  readonly deleteRelations?: readonly RelationKeyInput[];
  /** Replaces everything upstream knows about this cluster's topology. */
  readonly fullSnapshot?: boolean;
}

export interface SymptomOffer {
  readonly entityId: string;
  readonly type: string;
  readonly active: boolean;
  readonly sinceUnixMs: number;
  /** A one-line human summary (e.g. from a Kubernetes event); masked and shortened. */
  readonly evidenceSummary?: string;
}

/** A root cause from the causal engine: an open JSON object; only known fields are forwarded. */
export interface RootCauseOffer {
  readonly id: string;
  readonly type: string;
  readonly entityId: string;
  readonly confidence: number;
  readonly [field: string]: unknown;
}

export interface AbstractEntity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly attributes?: Record<string, string>;
}

export interface AbstractRelation {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
}

export interface AbstractSymptom {
  readonly entityId: string;
  readonly type: string;
  readonly active: boolean;
  readonly sinceUnixMs: number;
  readonly summary?: string;
}

export interface SymptomRef {
  readonly entityId: string;
  readonly type: string;
}

export interface AbstractRootCause {
  readonly id: string;
  readonly type: string;
  readonly entityId: string;
  readonly entityKind?: string;
  readonly entityName?: string;
  readonly entityNamespace?: string;
  readonly confidence: number;
  readonly rank?: number;
  readonly explanation?: string;
  readonly detectedAtUnixMs?: number;
  readonly explainedSymptoms?: SymptomRef[];
  readonly unexplainedSymptoms?: SymptomRef[];
  readonly remediation?: { readonly action: string };
}

export interface AbstractionPolicy {
  /** Label keys that may leave, exact (`app`) or by prefix (`app.kubernetes.io/*`). */
  readonly labelAllowlist: readonly string[];
  /** Non-label attributes that may leave (default none: never IPs unless listed here). */
  readonly attributeAllowlist: readonly string[];
}

const MAX_NAME = 253;
const MAX_TEXT = 2000;
const MAX_SUMMARY = 256;
const MAX_SYMPTOM_REFS = 100;
const LABEL_PREFIX = "label.";

const text = (v: unknown, max: number): string => String(v ?? "").slice(0, max);

function allowed(key: string, allowlist: readonly string[]): boolean {
  for (const entry of allowlist) {
    if (entry.endsWith("*") ? key.startsWith(entry.slice(0, -1)) : key === entry) return true;
  }
  return false;
}

export function abstractEntity(entity: EntityInput, policy: AbstractionPolicy): AbstractEntity {
  let labels: Record<string, string> | undefined;
  let attributes: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(entity.attributes ?? {})) {
    if (key.startsWith(LABEL_PREFIX)) {
      const label = key.slice(LABEL_PREFIX.length);
      if (allowed(label, policy.labelAllowlist))
        (labels ??= {})[text(label, MAX_NAME)] = text(value, MAX_NAME);
    } else if (allowed(key, policy.attributeAllowlist)) {
      (attributes ??= {})[text(key, MAX_NAME)] = text(value, MAX_NAME);
    }
  }
  return {
    id: text(entity.id, MAX_NAME * 3),
    kind: text(entity.kind, 64),
    name: text(entity.name, MAX_NAME),
    ...(entity.namespace ? { namespace: text(entity.namespace, MAX_NAME) } : {}),
    ...(labels ? { labels } : {}),
    ...(attributes ? { attributes } : {}),
  };
}

export function abstractRelation(relation: RelationKeyInput): AbstractRelation {
  return {
    fromId: text(relation.fromId, MAX_NAME * 3),
    toId: text(relation.toId, MAX_NAME * 3),
    type: text(relation.type, 64),
  };
}

export function abstractSymptom(symptom: SymptomOffer): AbstractSymptom {
  return {
    entityId: text(symptom.entityId, MAX_NAME * 3),
    type: text(symptom.type, 64),
    active: symptom.active === true,
    sinceUnixMs: Number.isFinite(symptom.sinceUnixMs) ? Math.trunc(symptom.sinceUnixMs) : 0,
    ...(symptom.evidenceSummary ? { summary: text(symptom.evidenceSummary, MAX_SUMMARY) } : {}),
  };
}

function symptomRefs(value: unknown): SymptomRef[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.slice(0, MAX_SYMPTOM_REFS).flatMap((v: unknown) => {
    if (v === null || typeof v !== "object") return [];
    const r = v as Record<string, unknown>;
    return [{ entityId: text(r.entityId, MAX_NAME * 3), type: text(r.type, 64) }];
  });
}

function optionalString(v: unknown, max: number): string | undefined {
  return typeof v === "string" && v !== "" ? v.slice(0, max) : undefined;
}

function optionalNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function abstractRootCause(rc: RootCauseOffer): AbstractRootCause {
  const out: Record<string, unknown> = {
    id: text(rc.id, MAX_NAME),
    type: text(rc.type, 64),
    entityId: text(rc.entityId, MAX_NAME * 3),
    confidence: Math.min(1, Math.max(0, Number.isFinite(rc.confidence) ? rc.confidence : 0)),
  };
  const fields: [string, unknown][] = [
    ["entityKind", optionalString(rc.entityKind, 64)],
    ["entityName", optionalString(rc.entityName, MAX_NAME)],
    ["entityNamespace", optionalString(rc.entityNamespace, MAX_NAME)],
    ["rank", optionalNumber(rc.rank)],
    ["explanation", optionalString(rc.explanation, MAX_TEXT)],
    ["detectedAtUnixMs", optionalNumber(rc.detectedAtUnixMs)],
    ["explainedSymptoms", symptomRefs(rc.explainedSymptoms)],
    ["unexplainedSymptoms", symptomRefs(rc.unexplainedSymptoms)],
  ];
  for (const [k, v] of fields) if (v !== undefined) out[k] = v;
  const remediation = rc.remediation as Record<string, unknown> | undefined;
  const action =
    remediation && typeof remediation === "object" ? (remediation.action ?? remediation.kind) : undefined;
  if (typeof action === "string") out.remediation = { action: action.slice(0, 64) };
  return out as unknown as AbstractRootCause;
}
