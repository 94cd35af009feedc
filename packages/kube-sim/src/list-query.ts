import { type ServerResponse } from "node:http";
import { BatchedWriter } from "./batched-writer.js";
import { apiVersionOf, type ResourceType } from "./resources.js";
import { type FieldSelector } from "./selectors.js";
import { statusErrors } from "./status.js";
import { type ObjectStore, type StoredEntry } from "./store.js";

/** A list request, parsed. */
export interface ListQuery {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly labels: (labels: Readonly<Record<string, string>> | undefined) => boolean;
  readonly hasLabelSelector: boolean;
  readonly fields: FieldSelector;
  readonly hasFieldSelector: boolean;
  readonly limit: number | undefined;
  readonly continueToken: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly resourceVersionMatch: string | undefined;
}

/** One page of a list: a consistent set of stored entries and where to continue. */
export interface ListPage {
  readonly entries: StoredEntry[];
  readonly resourceVersion: number;
  readonly continueToken: string | undefined;
  readonly remainingItemCount: number | undefined;
}

interface ContinueKey {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, last: StoredEntry): string {
  const key: ContinueKey = { v: "meta.k8s.io/v1", rv, start: `${last.namespace}/${last.name}` };
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function decodeContinue(token: string): { rv: number; namespace: string; name: string } {
  try {
    const key = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as ContinueKey;
    const slash = key.start.indexOf("/");
    if (key.v !== "meta.k8s.io/v1" || !Number.isInteger(key.rv) || slash < 0) throw new Error("bad key");
    return { rv: key.rv, namespace: key.start.slice(0, slash), name: key.start.slice(slash + 1) };
  } catch {
    throw statusErrors.badRequest("continue key is not valid: incorrect encoded start resourceVersion");
  }
}

/**
 * Selects one page. Pages after the first continue after the last key returned and report the
 * first page's resourceVersion, so a client that watches from it sees every later change; a token
 * older than the type's event window is 410 Expired, as on a compacted etcd.
 */
export function selectPage(store: ObjectStore, q: ListQuery): ListPage {
  let rv = store.revision;
  let after: { namespace: string; name: string } | undefined;
  if (q.continueToken) {
    if (q.resourceVersion !== undefined && q.resourceVersion !== "") {
      throw statusErrors.badRequest("specifying resource version is not allowed when using continue");
    }
    const c = decodeContinue(q.continueToken);
    if (c.rv < store.historyFloor(q.type)) {
      throw statusErrors.expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
      );
    }
    rv = c.rv;
    after = { namespace: c.namespace, name: c.name };
  } else if (q.resourceVersion !== undefined && q.resourceVersion !== "" && q.resourceVersion !== "0") {
    if (!/^\d+$/.test(q.resourceVersion)) {
      throw statusErrors.invalid("", "", "", [
        { field: "resourceVersion", message: `Invalid value: "${q.resourceVersion}": must be an integer` },
      ]);
    }
    const wanted = Number(q.resourceVersion);
    if (wanted > store.revision) throw statusErrors.tooLargeResourceVersion(wanted, store.revision);
    if (q.resourceVersionMatch === "Exact" && wanted !== store.revision) {
      // Only the newest state is kept; older snapshots are gone, as after compaction.
      throw statusErrors.expired(`too old resource version: ${wanted} (${store.revision})`);
    }
  }
  const namespace = q.namespace ?? q.fields.namespace;
  const nodeName = q.type.fields.includes("spec.nodeName") ? q.fields.nodeName : undefined;
  const entries: StoredEntry[] = [];
  const limit = q.limit && q.limit > 0 ? q.limit : Number.POSITIVE_INFINITY;
  let continueToken: string | undefined;
  let remaining: number | undefined;
  const it = store.entries(q.type, {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...(after ? { after } : {}),
  });
  if (q.fields.name !== undefined && namespace !== undefined && !after) {
    const e = store.entry(q.type, namespace, q.fields.name);
    if (e && q.labels(e.labels) && q.fields.matches(e.fields)) entries.push(e);
  } else {
    for (const e of it) {
      if (!q.labels(e.labels) || !q.fields.matches(e.fields)) continue;
      if (entries.length >= limit) {
        continueToken = encodeContinue(rv, entries[entries.length - 1] as StoredEntry);
        if (!q.hasLabelSelector && !q.hasFieldSelector) {
          const last = entries[entries.length - 1] as StoredEntry;
          remaining = store.countAfter(q.type, { namespace: last.namespace, name: last.name }, namespace);
        }
        break;
      }
      entries.push(e);
    }
  }
  return { entries, resourceVersion: rv, continueToken, remainingItemCount: remaining };
}

/** Streams a list response, waiting for the socket between batches. */
export async function writeList(res: ServerResponse, type: ResourceType, page: ListPage): Promise<void> {
  const metadata: Record<string, unknown> = { resourceVersion: String(page.resourceVersion) };
  if (page.continueToken) metadata.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  res.writeHead(200, { "content-type": "application/json" });
  const writer = new BatchedWriter(res);
  writer.write(
    `{"kind":"${type.kind}List","apiVersion":"${apiVersionOf(type)}","metadata":${JSON.stringify(metadata)},"items":[`,
  );
  const comma = Buffer.from(",");
  for (let i = 0; i < page.entries.length; i++) {
    if (i > 0) writer.write(comma);
    writer.write((page.entries[i] as StoredEntry).raw);
    if (writer.pendingBytes > 1024 * 1024) await writer.drain();
    if (writer.closed) return;
  }
  writer.write("]}");
  writer.end();
}
