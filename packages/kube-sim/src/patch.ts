import { ApiStatusError, statusErrors } from "./status.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** Keys that lists of objects merge on in strategic merge patches, by field name. */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: "name",
  initContainers: "name",
  volumes: "name",
  env: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  conditions: "type",
  ownerReferences: "uid",
  tolerations: "key",
};

/**
 * Strategic merge patch for the fields kubectl patches: objects merge, lists of objects with a
 * known merge key merge by that key, other lists replace, null deletes.
 */
export function strategicMergePatch(target: Json, patch: Json, field = ""): Json {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return structuredClone(patch);
    const out = target.map((x) => structuredClone(x));
    for (const item of patch) {
      if (!isObject(item)) continue;
      const i = out.findIndex((x) => isObject(x) && x[key] === item[key]);
      if (item.$patch === "delete") {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) {
        out[i] = strategicMergePatch(out[i] ?? null, item);
      } else {
        out.push(structuredClone(item));
      }
    }
    return out;
  }
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch") continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k] ?? null, v, k);
  }
  return out;
}

/** RFC 6902 JSON patch: add, remove, replace, test, copy, move. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw statusErrors.badRequest("a JSON patch must be an array of operations");
  let doc = structuredClone(target);
  const parse = (p: string): string[] => {
    if (p === "") return [];
    if (!p.startsWith("/")) throw statusErrors.badRequest(`invalid JSON pointer ${p}`);
    return p
      .slice(1)
      .split("/")
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  };
  const parentOf = (path: string[]): { parent: Json; key: string } => {
    let node: Json = doc;
    for (const seg of path.slice(0, -1)) {
      node = Array.isArray(node) ? (node[Number(seg)] ?? null) : isObject(node) ? (node[seg] ?? null) : null;
      if (node === null) throw new ApiStatusError(422, "Invalid", `path ${path.join("/")} does not exist`);
    }
    return { parent: node, key: path[path.length - 1] ?? "" };
  };
  const get = (path: string[]): Json => {
    if (path.length === 0) return doc;
    const { parent, key } = parentOf(path);
    const v = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
    if (v === undefined) throw new ApiStatusError(422, "Invalid", `path /${path.join("/")} does not exist`);
    return v;
  };
  const put = (path: string[], value: Json, insert: boolean): void => {
    if (path.length === 0) {
      doc = value;
      return;
    }
    const { parent, key } = parentOf(path);
    if (Array.isArray(parent)) {
      const i = key === "-" ? parent.length : Number(key);
      if (insert) parent.splice(i, 0, value);
      else parent[i] = value;
    } else if (isObject(parent)) parent[key] = value;
  };
  const remove = (path: string[]): Json => {
    const value = get(path);
    const { parent, key } = parentOf(path);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (isObject(parent)) delete parent[key];
    return value;
  };
  for (const raw of ops) {
    const op = raw as { op?: string; path?: string; value?: Json; from?: string };
    const path = parse(op.path ?? "");
    switch (op.op) {
      case "add":
        put(path, structuredClone(op.value ?? null), true);
        break;
      case "replace":
        get(path);
        put(path, structuredClone(op.value ?? null), false);
        break;
      case "remove":
        remove(path);
        break;
      case "test":
        if (JSON.stringify(get(path)) !== JSON.stringify(op.value)) {
          throw new ApiStatusError(422, "Invalid", `test operation failed at ${op.path ?? ""}`);
        }
        break;
      case "copy":
        put(path, structuredClone(get(parse(op.from ?? ""))), true);
        break;
      case "move":
        put(path, remove(parse(op.from ?? "")), true);
        break;
      default:
        throw statusErrors.badRequest(`unsupported JSON patch operation ${String(op.op)}`);
    }
  }
  return doc;
}
