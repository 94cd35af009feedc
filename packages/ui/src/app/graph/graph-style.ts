/** Fill colour per entity kind (legend and canvas); unknown kinds are slate. */
export const KIND_COLORS: Readonly<Record<string, string>> = {
  cluster: "#111827",
  node: "#4b5563",
  namespace: "#334155",
  service: "#7c3aed",
  deployment: "#047857",
  statefulset: "#047857",
  daemonset: "#047857",
  replicaset: "#65a30d",
  job: "#a16207",
  cronjob: "#a16207",
  hpa: "#be185d",
  pod: "#2563eb",
  container: "#0e7490",
  process: "#94a3b8",
  external: "#9a3412",
};
export const DEFAULT_KIND_COLOR = "#64748b";

/**
 * Stroke colour per relation type. Types mapped to null are implied by the layout or would cross the
 * whole picture; they are drawn only for the selected entity.
 */
export const RELATION_COLORS: Readonly<Record<string, string | null>> = {
  calls: "rgba(220, 38, 38, 0.55)",
  selects: "rgba(124, 58, 237, 0.45)",
  // A pod's node is in another box and a process sits inside its container: shown for the selection only.
  "runs-on": null,
  "part-of": "rgba(100, 116, 139, 0.35)",
  "member-of": "rgba(100, 116, 139, 0.35)",
  scales: "rgba(190, 24, 93, 0.5)",
  "in-namespace": null,
};
export const DEFAULT_RELATION_COLOR = "rgba(100, 116, 139, 0.35)";

export const HIGHLIGHT = {
  symptom: "#dc2626",
  rootCause: "#ea580c",
  match: "#eab308",
  selected: "#1d4ed8",
  selectedEdge: "rgba(29, 78, 216, 0.85)",
} as const;

export function kindColor(kind: string): string {
  return KIND_COLORS[kind] ?? DEFAULT_KIND_COLOR;
}

export function relationColor(type: string): string | null {
  return type in RELATION_COLORS ? (RELATION_COLORS[type] ?? null) : DEFAULT_RELATION_COLOR;
}
