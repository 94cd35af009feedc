import { createHash } from "node:crypto";
import { servedGroupVersions } from "./discovery.js";
import { RESOURCE_TYPES, type ResourceType } from "./resources.js";
import { ApiStatusError } from "./status.js";

const QUERY = (name: string) => ({ name, in: "query", schema: { type: "string", uniqueItems: true } });

/**
 * An OpenAPI v3 document per group-version holding the paths and operations, with each write
 * operation's `x-kubernetes-group-version-kind` and its `dryRun`/`fieldValidation` parameters.
 * That is what kubectl reads to learn that the server validates fields itself; it computes
 * strategic merge patches from its compiled-in types when the schemas carry no patch metadata.
 */
function groupVersionDocument(
  group: string,
  version: string,
  types: readonly ResourceType[],
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const prefix = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  for (const t of types) {
    if (!RESOURCE_TYPES.includes(t)) {
      paths[`${prefix}/${t.resource}`] = { post: op(t, "post", []) };
      continue;
    }
    const base = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
    paths[base] = {
      get: op(t, "list", [
        QUERY("labelSelector"),
        QUERY("fieldSelector"),
        QUERY("limit"),
        QUERY("continue"),
        QUERY("watch"),
      ]),
      post: op(t, "post", [QUERY("dryRun"), QUERY("fieldManager"), QUERY("fieldValidation")]),
      delete: op(t, "deletecollection", [QUERY("dryRun")]),
    };
    paths[`${base}/{name}`] = {
      get: op(t, "get", []),
      put: op(t, "put", [QUERY("dryRun"), QUERY("fieldManager"), QUERY("fieldValidation")]),
      patch: op(t, "patch", [
        QUERY("dryRun"),
        QUERY("fieldManager"),
        QUERY("fieldValidation"),
        QUERY("force"),
      ]),
      delete: op(t, "delete", [QUERY("dryRun"), QUERY("gracePeriodSeconds"), QUERY("propagationPolicy")]),
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.33.0" },
    paths,
    components: { schemas: {} },
  };
}

function op(t: ResourceType, action: string, parameters: unknown[]): Record<string, unknown> {
  return {
    operationId: `${action}${t.kind}`,
    parameters,
    responses: { "200": { description: "OK" } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: t.group, version: t.version, kind: t.kind },
  };
}

interface Built {
  readonly index: Record<string, unknown>;
  readonly documents: Map<string, string>;
}

let built: Built | undefined;

function build(): Built {
  const documents = new Map<string, string>();
  const paths: Record<string, unknown> = {};
  for (const gv of servedGroupVersions()) {
    const text = JSON.stringify(groupVersionDocument(gv.group, gv.version, gv.types));
    const hash = createHash("sha512").update(text).digest("hex").slice(0, 128).toUpperCase();
    documents.set(`/openapi/v3/${gv.path}`, text);
    paths[gv.path] = { serverRelativeURL: `/openapi/v3/${gv.path}?hash=${hash}` };
  }
  return { index: { paths }, documents };
}

/** `/openapi/v3` and its group-version documents; `/openapi/v2` is not served (404). */
export function openApiResponse(path: string): unknown {
  built ??= build();
  if (path === "/openapi/v3") return built.index;
  const doc = built.documents.get(path);
  if (doc) return JSON.parse(doc) as unknown;
  throw new ApiStatusError(404, "NotFound", "the server could not find the requested resource");
}
