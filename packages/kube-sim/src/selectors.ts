import { statusErrors } from "./status.js";

type Requirement = (labels: Record<string, string>) => boolean;

/** Parses a label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) into a predicate. */
export function parseLabelSelector(
  selector: string,
): (labels: Record<string, string> | undefined) => boolean {
  const requirements: Requirement[] = [];
  const parts = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim().replace(/^,/, "").trim();
    if (part === "") continue;
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(",").map((v) => v.trim());
      requirements.push(
        op === "in"
          ? (l) => values.includes(l[key] ?? "\u0000")
          : (l) => !values.includes(l[key] ?? "\u0000"),
      );
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      requirements.push(op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(part))) {
      const key = m[1] as string;
      requirements.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(part))) {
      const key = m[1] as string;
      requirements.push((l) => key in l);
    } else {
      throw statusErrors.badRequest(`unable to parse requirement: ${part}`);
    }
  }
  return (labels) => requirements.every((r) => r(labels ?? {}));
}

const FIELD_GETTERS: Readonly<Record<string, (o: Record<string, unknown>) => string>> = {
  "metadata.name": (o) => String((o.metadata as Record<string, unknown>).name ?? ""),
  "metadata.namespace": (o) => String((o.metadata as Record<string, unknown>).namespace ?? ""),
  "spec.nodeName": (o) => String(((o.spec ?? {}) as Record<string, unknown>).nodeName ?? ""),
  "status.phase": (o) => String(((o.status ?? {}) as Record<string, unknown>).phase ?? ""),
  "involvedObject.name": (o) => String(((o.involvedObject ?? {}) as Record<string, unknown>).name ?? ""),
  "involvedObject.kind": (o) => String(((o.involvedObject ?? {}) as Record<string, unknown>).kind ?? ""),
  type: (o) => String(o.type ?? ""),
};

/** Parses a field selector (`spec.nodeName=n1,metadata.name!=x`) over the supported fields. */
export function parseFieldSelector(selector: string): (obj: Record<string, unknown>) => boolean {
  const tests: ((o: Record<string, unknown>) => boolean)[] = [];
  for (const part of selector
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    const getter = m ? FIELD_GETTERS[m[1] as string] : undefined;
    if (!m || !getter)
      throw statusErrors.badRequest(`field label not supported: ${part.split(/[=!]/)[0] ?? part}`);
    const [, , op, value] = m as unknown as [string, string, string, string];
    tests.push(op === "!=" ? (o) => getter(o) !== value : (o) => getter(o) === value);
  }
  return (o) => tests.every((t) => t(o));
}
