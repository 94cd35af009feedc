import { type ResourceType } from "./resources.js";
import { statusErrors } from "./status.js";

type Labels = Readonly<Record<string, string>>;
type Requirement = (labels: Labels) => boolean;

/** Splits on commas outside parentheses. */
function splitTopLevel(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out.map((p) => p.trim()).filter((p) => p !== "");
}

const KEY = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const VALUE = String.raw`[-A-Za-z0-9_.]*`;

/**
 * Parses a label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z),n>3`) into a predicate, as the
 * API server does; a malformed selector is a 400.
 */
export function parseLabelSelector(selector: string): (labels: Labels | undefined) => boolean {
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s+\(([^)]*)\)$`).exec(part))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(",").map((v) => v.trim());
      requirements.push(
        op === "in"
          ? (l) => l[key] !== undefined && values.includes(l[key])
          : (l) => l[key] === undefined || !values.includes(l[key]),
      );
    } else if ((m = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`).exec(part))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      requirements.push(op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = new RegExp(String.raw`^(${KEY})\s*(<|>)\s*(-?\d+)$`).exec(part))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      const bound = Number(value);
      requirements.push((l) => {
        const v = l[key];
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        return op === "<" ? Number(v) < bound : Number(v) > bound;
      });
    } else if ((m = new RegExp(String.raw`^!\s*(${KEY})$`).exec(part))) {
      const key = m[1] as string;
      requirements.push((l) => !(key in l));
    } else if ((m = new RegExp(String.raw`^(${KEY})$`).exec(part))) {
      const key = m[1] as string;
      requirements.push((l) => key in l);
    } else {
      throw statusErrors.badRequest(`unable to parse requirement: ${part}`);
    }
  }
  if (requirements.length === 0) return () => true;
  return (labels) => requirements.every((r) => r(labels ?? {}));
}

/** A label selector as a Deployment or Service spells it (matchLabels and matchExpressions). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A predicate for a structured label selector. An empty selector matches everything. */
export function labelSelectorMatcher(
  sel: LabelSelectorSpec | undefined,
): (labels: Labels | undefined) => boolean {
  const tests: Requirement[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) tests.push((l) => l[k] === v);
  for (const e of sel?.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        tests.push((l) => l[e.key] !== undefined && values.includes(l[e.key] as string));
        break;
      case "NotIn":
        tests.push((l) => l[e.key] === undefined || !values.includes(l[e.key] as string));
        break;
      case "Exists":
        tests.push((l) => e.key in l);
        break;
      case "DoesNotExist":
        tests.push((l) => !(e.key in l));
        break;
      default:
        tests.push(() => false);
    }
  }
  return (labels) => tests.every((t) => t(labels ?? {}));
}

/** `a=b,c=d` for a selector's matchLabels, as Scale status and kubectl show it. */
export function formatSelector(sel: LabelSelectorSpec | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

function dig(obj: Record<string, unknown>, path: string): unknown {
  let node: unknown = obj;
  for (const seg of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** Field-label values of an object: metadata.name, metadata.namespace and the type's own fields. */
export function fieldValues(type: ResourceType, obj: Record<string, unknown>): Record<string, string> {
  const meta = obj.metadata as { name?: string; namespace?: string };
  const out: Record<string, string> = {
    "metadata.name": meta.name ?? "",
    "metadata.namespace": type.namespaced ? (meta.namespace ?? "") : "",
  };
  for (const f of type.fields) {
    let v: unknown;
    if (f === "source") v = dig(obj, "source.component");
    else v = dig(obj, f);
    if (v === undefined || v === null) {
      // Booleans the API defaults to false select as "false".
      v = f === "spec.hostNetwork" || f === "spec.unschedulable" ? "false" : "";
    }
    out[f] = String(v);
  }
  return out;
}

/** A parsed field selector: a predicate plus equality pins an index can use. */
export interface FieldSelector {
  readonly matches: (fields: Readonly<Record<string, string>>) => boolean;
  /** Set when the selector requires spec.nodeName to equal this. */
  readonly nodeName: string | undefined;
  /** Set when the selector requires metadata.name to equal this. */
  readonly name: string | undefined;
  readonly namespace: string | undefined;
}

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, "$1");
}

/** Parses a field selector (`spec.nodeName=n1,metadata.name!=x`) over the type's field labels. */
export function parseFieldSelector(type: ResourceType, selector: string): FieldSelector {
  const tests: ((f: Readonly<Record<string, string>>) => boolean)[] = [];
  let nodeName: string | undefined;
  let name: string | undefined;
  let namespace: string | undefined;
  // Split on commas not escaped with a backslash.
  const parts = selector.split(/(?<!\\),/).map((p) => p.trim());
  for (const part of parts) {
    if (part === "") continue;
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    const field = m?.[1];
    if (!m || !field)
      throw statusErrors.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    if (field !== "metadata.name" && field !== "metadata.namespace" && !type.fields.includes(field)) {
      throw statusErrors.badRequest(`field label not supported: ${field}`);
    }
    const op = m[2] as string;
    const value = unescapeValue(m[3] as string);
    if (op === "!=") tests.push((f) => f[field] !== value);
    else {
      tests.push((f) => f[field] === value);
      if (field === "spec.nodeName") nodeName = value;
      if (field === "metadata.name") name = value;
      if (field === "metadata.namespace") namespace = value;
    }
  }
  return {
    matches: tests.length === 0 ? () => true : (f) => tests.every((t) => t(f)),
    nodeName,
    name,
    namespace,
  };
}
