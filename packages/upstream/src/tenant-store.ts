import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, renameSync } from "node:fs";
import { join } from "node:path";

/** Characters allowed in a key segment; anything else cannot name a path outside the prefix. */
const SEGMENT = /^[A-Za-z0-9._:-]{1,200}$/;

function checkSegment(segment: string): string {
  if (!SEGMENT.test(segment) || segment === "." || segment === "..") {
    throw new RangeError(`invalid key segment ${JSON.stringify(segment)}`);
  }
  return segment;
}

/** Hex of the tenant id: the on-disk prefix, whatever characters the id holds. */
const tenantPrefix = (tenantId: string): string => `t-${Buffer.from(tenantId, "utf8").toString("hex")}`;

/**
 * One tenant's view of the store. It is created for one tenant and every key it reads or writes
 * lies under that tenant's prefix; no method takes a tenant id, so no query can cross tenants.
 */
export interface TenantView {
  readonly tenantId: string;
  /** Stores `value` at `key` unless something is there already; false means a duplicate. */
  putIfAbsent(key: readonly string[], value: unknown): boolean;
  get(key: readonly string[]): unknown;
  /** The keys (last segments) directly under `prefix`, sorted. */
  list(prefix: readonly string[]): string[];
}

/**
 * The reference receiver's store: a directory per tenant (`t-<hex id>/`), a file per value.
 * Values are written to a temporary file and renamed, so a reader never sees half a value.
 */
export class FileTenantStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  forTenant(tenantId: string): TenantView {
    if (tenantId === "") throw new RangeError("empty tenant id");
    const root = join(this.#dir, tenantPrefix(tenantId));
    const pathOf = (key: readonly string[]): string => join(root, ...key.map(checkSegment));
    return {
      tenantId,
      putIfAbsent(key, value) {
        const path = pathOf(key);
        if (existsSync(path)) return false;
        mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
        writeFileSync(`${path}.tmp`, JSON.stringify(value), { mode: 0o600 });
        renameSync(`${path}.tmp`, path);
        return true;
      },
      get(key) {
        const path = pathOf(key);
        return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as unknown) : undefined;
      },
      list(prefix) {
        const path = pathOf(prefix);
        if (!existsSync(path)) return [];
        return readdirSync(path)
          .filter((f) => !f.endsWith(".tmp"))
          .sort();
      },
    };
  }
}
