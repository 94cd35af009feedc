// The API's answers, read defensively: fields are checked, not trusted, and the shapes of parts
// still being built (the causal engine's root causes, the egress ledger) are accepted in every
// form they are known to take. A missing field becomes a neutral value, never an exception.

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback;
}
function num(value: unknown, fallback = Number.NaN): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
function strRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

export interface SymptomView {
  readonly entityId: string;
  readonly type: string;
  readonly source: string;
  readonly active: boolean;
  readonly sinceUnixMs: number;
  readonly updatedUnixMs: number;
  readonly evidenceSummary: string;
  readonly evidence: Readonly<Record<string, number>>;
}

export function normalizeSymptom(raw: unknown): SymptomView {
  const s = obj(raw);
  const evidence: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(s.evidence))) if (typeof v === "number") evidence[k] = v;
  return {
    entityId: str(s.entityId),
    type: str(s.type),
    source: str(s.source),
    active: s.active !== false,
    sinceUnixMs: num(s.sinceUnixMs, 0),
    updatedUnixMs: num(s.updatedUnixMs, 0),
    evidenceSummary: str(s.evidenceSummary),
    evidence,
  };
}

export function normalizeSymptoms(body: unknown): { symptoms: SymptomView[]; total: number } {
  const b = obj(body);
  const symptoms = arr(Array.isArray(body) ? body : b.symptoms).map(normalizeSymptom);
  return { symptoms, total: num(b.total, symptoms.length) };
}

/** A symptom named by entity and type, as a root cause lists it. */
export interface SymptomRefView {
  readonly entityId: string;
  readonly type: string;
  readonly detail: string;
}

export interface RootCauseView {
  readonly id: string;
  readonly rank: number;
  readonly type: string;
  readonly title: string;
  readonly entityId: string;
  readonly entityLabel: string;
  /** 0..1, NaN when absent. */
  readonly confidence: number;
  /** False for an alternative explanation; true when the engine does not say. */
  readonly primary: boolean;
  readonly explanation: string;
  readonly explained: readonly SymptomRefView[];
  readonly unexplained: readonly SymptomRefView[];
  readonly expectedAbsent: readonly SymptomRefView[];
  readonly remediationSummary: string;
  readonly remediationChange: unknown;
  readonly startedUnixMs: number;
}

/** `entityId|type` (the mediator's `explains`) or `{entityId, type, …}` (the causal engine's). */
function symptomRef(raw: unknown): SymptomRefView {
  if (typeof raw === "string") {
    const bar = raw.lastIndexOf("|");
    return bar >= 0
      ? { entityId: raw.slice(0, bar), type: raw.slice(bar + 1), detail: "" }
      : { entityId: "", type: raw, detail: "" };
  }
  const r = obj(raw);
  const p = num(r.probability);
  const details = [str(r.evidenceSummary), Number.isFinite(p) ? `p=${p.toFixed(2)}` : ""].filter((s) => s);
  return { entityId: str(r.entityId), type: str(r.type), detail: details.join(" · ") };
}

function humanize(type: string): string {
  const text = type.replace(/[_-]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function normalizeRootCause(raw: unknown, position: number): RootCauseView {
  const r = obj(raw);
  const entity = obj(r.entity);
  const entityId = str(r.entityId) || str(entity.id);
  const type = str(r.type);
  const remediation = obj(r.remediation);
  return {
    id: str(r.id) || `${type}:${entityId}`,
    rank: num(r.rank, position + 1),
    type,
    title: str(r.title) || humanize(type || "unknown root cause"),
    entityId,
    entityLabel: entityId || str(entity.name),
    confidence: num(r.confidence),
    primary: r.primary !== false,
    explanation: str(r.explanation),
    explained: arr(r.explained ?? r.explains).map(symptomRef),
    unexplained: arr(r.unexplained).map(symptomRef),
    expectedAbsent: arr(r.expectedAbsent).map(symptomRef),
    remediationSummary: str(remediation.summary) || str(remediation.reason),
    remediationChange: remediation.change,
    startedUnixMs: num(r.startedUnixMs, 0),
  };
}

export function normalizeRootCauses(body: unknown): { engine: string; rootCauses: RootCauseView[] } {
  const b = obj(body);
  const list = arr(Array.isArray(body) ? body : b.rootCauses).map(normalizeRootCause);
  list.sort((a, b) => a.rank - b.rank);
  return { engine: str(b.engine, "unknown"), rootCauses: list };
}

export interface RemediationStepView {
  readonly step: string;
  readonly atUnixMs: number;
  readonly detail: string;
}

export interface RemediationView {
  readonly id: string;
  readonly state: string;
  readonly change: unknown;
  readonly changeSha256: string;
  readonly action: string;
  /** `Deployment shop/checkout`. */
  readonly target: string;
  readonly reason: string;
  readonly rootCauseId: string;
  readonly proposedUnixMs: number;
  readonly approvedBy: string;
  readonly approvalExpiresUnixMs: number;
  readonly rejection: { readonly by: string; readonly reason: string; readonly atUnixMs: number } | undefined;
  readonly result:
    { readonly outcome: string; readonly message: string; readonly atUnixMs: number } | undefined;
  readonly steps: readonly RemediationStepView[];
}

export function describeTarget(change: unknown): string {
  const t = obj(obj(change).target);
  const kind = str(t.kind);
  const ns = str(t.namespace);
  const name = str(t.name);
  return [kind, ns ? `${ns}/${name}` : name].filter((s) => s).join(" ");
}

export function normalizeRemediation(raw: unknown): RemediationView {
  const r = obj(raw);
  const approval = obj(r.approval);
  const rejection = obj(r.rejection);
  const result = obj(r.result);
  return {
    id: str(r.id),
    state: str(r.state, "unknown"),
    change: r.change,
    changeSha256: str(r.changeSha256),
    action: str(obj(r.change).action),
    target: describeTarget(r.change),
    reason: str(r.reason),
    rootCauseId: str(r.rootCauseId),
    proposedUnixMs: num(r.proposedUnixMs, 0),
    approvedBy: str(approval.approver),
    approvalExpiresUnixMs: num(approval.expiresUnixMs, 0),
    rejection: r.rejection
      ? { by: str(rejection.by), reason: str(rejection.reason), atUnixMs: num(rejection.atUnixMs, 0) }
      : undefined,
    result: r.result
      ? { outcome: str(result.outcome), message: str(result.message), atUnixMs: num(result.atUnixMs, 0) }
      : undefined,
    steps: arr(r.steps).map((s) => {
      const o = obj(s);
      return { step: str(o.step), atUnixMs: num(o.atUnixMs, 0), detail: str(o.detail) };
    }),
  };
}

export function normalizeRemediations(body: unknown): RemediationView[] {
  const b = obj(body);
  return arr(Array.isArray(body) ? body : b.remediations).map(normalizeRemediation);
}

export interface EgressEntryView {
  readonly seq: number;
  readonly atUnixMs: number;
  readonly category: string;
  readonly bytes: number;
  readonly summary: string;
  readonly sha256: string;
  readonly resend: boolean;
  readonly destination: string;
}

export function normalizeEgress(body: unknown): { entries: EgressEntryView[]; note: string } {
  const b = obj(body);
  const list = arr(Array.isArray(body) ? body : (b.entries ?? b.ledger ?? b.items));
  const entries = list.map((raw, i) => {
    const e = obj(raw);
    return {
      seq: num(e.seq, i + 1),
      atUnixMs: num(e.atUnixMs, num(e.timeUnixMs, num(e.sentUnixMs, 0))),
      category: str(e.category, str(e.kind, "?")),
      bytes: num(e.bytes, num(e.sizeBytes, Number.NaN)),
      summary: str(e.summary) || str(e.what) || str(e.description),
      sha256: str(e.sha256),
      resend: e.resend === true,
      destination: str(e.destination) || str(e.url),
    };
  });
  entries.sort((a, b) => b.atUnixMs - a.atUnixMs || b.seq - a.seq);
  const enabled = b.enabled === false ? "upstream forwarding is off" : "";
  return { entries, note: str(b.note) || enabled };
}

export interface AgentViewRow {
  readonly agentId: string;
  readonly nodeName: string;
  readonly version: string;
  readonly connected: boolean;
  readonly openStreams: number;
  readonly lastSeenUnixMs: number;
  readonly lagMs: number;
  readonly ackedSeq: number;
  readonly highestContiguousSeq: number;
  readonly unackedMessages: number;
  readonly droppedMessages: number;
  readonly messages: number;
  readonly duplicates: number;
  readonly ebpf: boolean;
  readonly degradedReasons: readonly string[];
}

export function normalizeAgents(body: unknown): AgentViewRow[] {
  const b = obj(body);
  return arr(Array.isArray(body) ? body : b.agents).map((raw) => {
    const a = obj(raw);
    return {
      agentId: str(a.agentId),
      nodeName: str(a.nodeName),
      version: str(a.version),
      connected: a.connected === true,
      openStreams: num(a.openStreams, 0),
      lastSeenUnixMs: num(a.lastSeenUnixMs, 0),
      lagMs: num(a.lagMs),
      ackedSeq: num(a.ackedSeq),
      highestContiguousSeq: num(a.highestContiguousSeq),
      unackedMessages: num(a.unackedMessages, 0),
      droppedMessages: num(a.droppedMessages, 0),
      messages: num(a.messages, 0),
      duplicates: num(a.duplicates, 0),
      ebpf: a.ebpf === true,
      degradedReasons: arr(a.degradedReasons).map((r) => str(r)),
    };
  });
}

export interface EntityRef {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sources: readonly string[];
  readonly updatedUnixMs: number;
}

export interface RelationRef {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
}

export interface WarningEventView {
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly lastUnixMs: number;
}

export interface EntityDetailView {
  readonly entity: EntityRef;
  readonly outgoing: readonly RelationRef[];
  readonly incoming: readonly RelationRef[];
  readonly symptoms: readonly SymptomView[];
  readonly warningEvents: readonly WarningEventView[];
}

export function normalizeEntity(raw: unknown): EntityRef {
  const e = obj(raw);
  return {
    id: str(e.id),
    kind: str(e.kind),
    name: str(e.name),
    namespace: str(e.namespace),
    attributes: strRecord(e.attributes),
    sources: arr(e.sources).map((s) => str(s)),
    updatedUnixMs: num(e.updatedUnixMs, 0),
  };
}

function relation(raw: unknown): RelationRef {
  const r = obj(raw);
  return { fromId: str(r.fromId), toId: str(r.toId), type: str(r.type) };
}

export function normalizeEntityDetail(body: unknown): EntityDetailView {
  const b = obj(body);
  return {
    entity: normalizeEntity(b.entity),
    outgoing: arr(b.outgoing).map(relation),
    incoming: arr(b.incoming).map(relation),
    symptoms: arr(b.symptoms).map(normalizeSymptom),
    warningEvents: arr(b.warningEvents).map((raw) => {
      const w = obj(raw);
      return {
        reason: str(w.reason),
        message: str(w.message),
        count: num(w.count, 1),
        lastUnixMs: num(w.lastUnixMs, num(w.lastTimestampUnixMs, num(w.timeUnixMs, 0))),
      };
    }),
  };
}

export interface SeriesView {
  readonly name: string;
  readonly unit: string;
  /** [unixMs, value] pairs in time order; non-finite values are dropped. */
  readonly points: readonly (readonly [number, number])[];
}

export function normalizeSeries(body: unknown): SeriesView[] {
  const b = obj(body);
  return arr(Array.isArray(body) ? body : b.series).map((raw) => {
    const s = obj(raw);
    const points: [number, number][] = [];
    for (const p of arr(s.points)) {
      const pair = arr(p);
      // VictoriaMetrics writes values as strings; null and "" are gaps, not zeros.
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") continue;
      const t = Number(pair[0]);
      const v = Number(pair[1]);
      if (Number.isFinite(t) && Number.isFinite(v)) points.push([t, v]);
    }
    points.sort((a, b) => a[0] - b[0]);
    return { name: str(s.name, "series"), unit: str(s.unit), points };
  });
}
