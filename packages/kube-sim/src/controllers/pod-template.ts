import { type KubeObject } from "../store.js";

/**
 * JSON with object keys sorted and null fields dropped, so semantically equal templates (as Go
 * decodes them: `creationTimestamp: null` is an unset field) serialize equally.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** FNV-1a, 32 bit. */
function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A pod template without the label the controller itself adds. */
export function templateWithoutHash(template: unknown): Record<string, unknown> {
  const t = structuredClone((template ?? {}) as { metadata?: { labels?: Record<string, string> } });
  if (t.metadata?.labels) {
    delete t.metadata.labels["pod-template-hash"];
    delete t.metadata.labels["controller-revision-hash"];
  }
  return t as Record<string, unknown>;
}

/**
 * The pod-template-hash of a template: FNV-32a of the template, its decimal digits mapped onto the
 * API machinery's "safe" alphabet, as the Deployment controller names ReplicaSets.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(templateWithoutHash(template)) + (collisionCount ? String(collisionCount) : "");
  return [...String(fnv32a(text))].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length]).join("");
}

/** Whether two pod templates are equal, ignoring the controller's hash labels. */
export function sameTemplate(a: unknown, b: unknown): boolean {
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}

/** The controller owner reference of an object, if any. */
export function controllerOf(obj: KubeObject): { kind: string; name: string; uid: string } | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller === true);
}

/** Pod readiness: the Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  const conds = ((pod.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? [];
  return conds.some((c) => c.type === "Ready" && c.status === "True");
}

/** An owner reference naming `owner` as controller. */
export function controllerRef(
  owner: KubeObject,
): NonNullable<KubeObject["metadata"]["ownerReferences"]>[number] {
  return {
    apiVersion: owner.apiVersion ?? "",
    kind: owner.kind ?? "",
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Current time as the API prints timestamps (seconds precision). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}
