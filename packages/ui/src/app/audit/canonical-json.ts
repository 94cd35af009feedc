/**
 * Canonical JSON as the audit trail hashes it (@causeway/audit): keys sorted by UTF-16 code units,
 * no whitespace, numbers and strings as JSON.stringify writes them, undefined properties left out,
 * undefined array items as null. Kept here because the browser bundle cannot import the Node
 * package; a unit test checks both give the same bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (const item of value as unknown[]) items.push(canonicalJson(item === undefined ? null : item));
        return `[${items.join(",")}]`;
      }
      const keys = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const parts = keys.map(
        (k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`,
      );
      return `{${parts.join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}
