import { statusErrors } from "./status.js";

/**
 * kubectl's typed clients send some request bodies as Kubernetes protobuf
 * (`application/vnd.kubernetes.protobuf`): `create serviceaccount`, `create namespace`,
 * `create token`, `auth can-i`. This decodes those messages into the JSON the rest of the server
 * handles (also `create role/rolebinding/secret/configmap`). Field numbers follow k8s.io/api's
 * generated.proto files; kinds without a schema here are refused with 415.
 */

type FieldType =
  | "string"
  | "int"
  | "bool"
  | "bytes"
  | "time"
  | "intOrString"
  | Schema
  | { map: true; bytes?: boolean; quantity?: boolean };
interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly repeated?: boolean;
}
type Schema = { readonly [fieldNumber: number]: Field };

const OWNER_REFERENCE: Schema = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};

const OBJECT_META: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  7: { name: "generation", type: "int" },
  8: { name: "creationTimestamp", type: "time" },
  11: { name: "labels", type: { map: true } },
  12: { name: "annotations", type: { map: true } },
  13: { name: "ownerReferences", type: OWNER_REFERENCE, repeated: true },
  14: { name: "finalizers", type: "string", repeated: true },
};

const LOCAL_OBJECT_REFERENCE: Schema = { 1: { name: "name", type: "string" } };
const OBJECT_REFERENCE: Schema = {
  1: { name: "kind", type: "string" },
  2: { name: "namespace", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  7: { name: "fieldPath", type: "string" },
};

const RESOURCE_ATTRIBUTES: Schema = {
  1: { name: "namespace", type: "string" },
  2: { name: "verb", type: "string" },
  3: { name: "group", type: "string" },
  4: { name: "version", type: "string" },
  5: { name: "resource", type: "string" },
  6: { name: "subresource", type: "string" },
  7: { name: "name", type: "string" },
};
const NON_RESOURCE_ATTRIBUTES: Schema = {
  1: { name: "path", type: "string" },
  2: { name: "verb", type: "string" },
};

const POLICY_RULE: Schema = {
  1: { name: "verbs", type: "string", repeated: true },
  2: { name: "apiGroups", type: "string", repeated: true },
  3: { name: "resources", type: "string", repeated: true },
  4: { name: "resourceNames", type: "string", repeated: true },
  5: { name: "nonResourceURLs", type: "string", repeated: true },
};
const BINDING: Schema = {
  1: { name: "metadata", type: OBJECT_META },
  2: {
    name: "subjects",
    repeated: true,
    type: {
      1: { name: "kind", type: "string" },
      2: { name: "apiGroup", type: "string" },
      3: { name: "name", type: "string" },
      4: { name: "namespace", type: "string" },
    },
  },
  3: {
    name: "roleRef",
    type: {
      1: { name: "apiGroup", type: "string" },
      2: { name: "kind", type: "string" },
      3: { name: "name", type: "string" },
    },
  },
};

const DELETE_OPTIONS: Schema = {
  1: { name: "gracePeriodSeconds", type: "int" },
  2: {
    name: "preconditions",
    type: { 1: { name: "uid", type: "string" }, 2: { name: "resourceVersion", type: "string" } },
  },
  3: { name: "orphanDependents", type: "bool" },
  4: { name: "propagationPolicy", type: "string" },
  5: { name: "dryRun", type: "string", repeated: true },
};

const LABEL_SELECTOR: Schema = {
  1: { name: "matchLabels", type: { map: true } },
  2: {
    name: "matchExpressions",
    repeated: true,
    type: {
      1: { name: "key", type: "string" },
      2: { name: "operator", type: "string" },
      3: { name: "values", type: "string", repeated: true },
    },
  },
};

const QUANTITY: Schema = { 1: { name: "string", type: "string" } };

const CONTAINER: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "image", type: "string" },
  3: { name: "command", type: "string", repeated: true },
  4: { name: "args", type: "string", repeated: true },
  5: { name: "workingDir", type: "string" },
  6: {
    name: "ports",
    repeated: true,
    type: {
      1: { name: "name", type: "string" },
      2: { name: "hostPort", type: "int" },
      3: { name: "containerPort", type: "int" },
      4: { name: "protocol", type: "string" },
    },
  },
  7: {
    name: "env",
    repeated: true,
    type: { 1: { name: "name", type: "string" }, 2: { name: "value", type: "string" } },
  },
  8: {
    name: "resources",
    type: {
      1: { name: "limits", type: { map: true, quantity: true } },
      2: { name: "requests", type: { map: true, quantity: true } },
    },
  },
  13: { name: "terminationMessagePath", type: "string" },
  14: { name: "imagePullPolicy", type: "string" },
  20: { name: "terminationMessagePolicy", type: "string" },
};

const POD_TEMPLATE: Schema = {
  1: { name: "metadata", type: OBJECT_META },
  2: {
    name: "spec",
    type: {
      2: { name: "containers", type: CONTAINER, repeated: true },
      3: { name: "restartPolicy", type: "string" },
      4: { name: "terminationGracePeriodSeconds", type: "int" },
      6: { name: "dnsPolicy", type: "string" },
      7: { name: "nodeSelector", type: { map: true } },
      8: { name: "serviceAccountName", type: "string" },
      10: { name: "nodeName", type: "string" },
      11: { name: "hostNetwork", type: "bool" },
      19: { name: "schedulerName", type: "string" },
      20: { name: "initContainers", type: CONTAINER, repeated: true },
    },
  },
};

const JOB_SPEC: Schema = {
  1: { name: "parallelism", type: "int" },
  2: { name: "completions", type: "int" },
  3: { name: "activeDeadlineSeconds", type: "int" },
  4: { name: "selector", type: LABEL_SELECTOR },
  6: { name: "template", type: POD_TEMPLATE },
  7: { name: "backoffLimit", type: "int" },
  8: { name: "ttlSecondsAfterFinished", type: "int" },
  9: { name: "completionMode", type: "string" },
  10: { name: "suspend", type: "bool" },
};

/** Message schemas by `apiVersion/kind`. */
const SCHEMAS: Readonly<Record<string, Schema>> = {
  "v1/ServiceAccount": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "secrets", type: OBJECT_REFERENCE, repeated: true },
    3: { name: "imagePullSecrets", type: LOCAL_OBJECT_REFERENCE, repeated: true },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
  "v1/Namespace": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: { 1: { name: "finalizers", type: "string", repeated: true } } },
  },
  "v1/ConfigMap": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "data", type: { map: true } },
    3: { name: "binaryData", type: { map: true, bytes: true } },
    4: { name: "immutable", type: "bool" },
  },
  "v1/Secret": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "data", type: { map: true, bytes: true } },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: { map: true } },
    5: { name: "immutable", type: "bool" },
  },
  "rbac.authorization.k8s.io/v1/Role": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "rules", type: POLICY_RULE, repeated: true },
  },
  "rbac.authorization.k8s.io/v1/ClusterRole": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "rules", type: POLICY_RULE, repeated: true },
  },
  "rbac.authorization.k8s.io/v1/RoleBinding": BINDING,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": BINDING,
  "authentication.k8s.io/v1/TokenRequest": {
    1: { name: "metadata", type: OBJECT_META },
    2: {
      name: "spec",
      type: {
        1: { name: "audiences", type: "string", repeated: true },
        3: {
          name: "boundObjectRef",
          type: {
            1: { name: "kind", type: "string" },
            2: { name: "apiVersion", type: "string" },
            3: { name: "name", type: "string" },
            4: { name: "uid", type: "string" },
          },
        },
        4: { name: "expirationSeconds", type: "int" },
      },
    },
  },
  "authorization.k8s.io/v1/SelfSubjectAccessReview": {
    1: { name: "metadata", type: OBJECT_META },
    2: {
      name: "spec",
      type: {
        1: { name: "resourceAttributes", type: RESOURCE_ATTRIBUTES },
        2: { name: "nonResourceAttributes", type: NON_RESOURCE_ATTRIBUTES },
      },
    },
  },
  "authorization.k8s.io/v1/SelfSubjectRulesReview": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: { 1: { name: "namespace", type: "string" } } },
  },
  "authentication.k8s.io/v1/SelfSubjectReview": { 1: { name: "metadata", type: OBJECT_META } },
  "v1/DeleteOptions": DELETE_OPTIONS,
  "meta.k8s.io/v1/DeleteOptions": DELETE_OPTIONS,
  // Enough of each for what `kubectl create deployment|job|cronjob` and `kubectl expose` send;
  // fields not listed are skipped.
  "apps/v1/Deployment": {
    1: { name: "metadata", type: OBJECT_META },
    2: {
      name: "spec",
      type: {
        1: { name: "replicas", type: "int" },
        2: { name: "selector", type: LABEL_SELECTOR },
        3: { name: "template", type: POD_TEMPLATE },
        5: { name: "minReadySeconds", type: "int" },
        6: { name: "revisionHistoryLimit", type: "int" },
        7: { name: "paused", type: "bool" },
        9: { name: "progressDeadlineSeconds", type: "int" },
      },
    },
  },
  "batch/v1/Job": { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: JOB_SPEC } },
  "batch/v1/CronJob": {
    1: { name: "metadata", type: OBJECT_META },
    2: {
      name: "spec",
      type: {
        1: { name: "schedule", type: "string" },
        2: { name: "startingDeadlineSeconds", type: "int" },
        3: { name: "concurrencyPolicy", type: "string" },
        4: { name: "suspend", type: "bool" },
        5: {
          name: "jobTemplate",
          type: { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: JOB_SPEC } },
        },
        6: { name: "successfulJobsHistoryLimit", type: "int" },
        7: { name: "failedJobsHistoryLimit", type: "int" },
        8: { name: "timeZone", type: "string" },
      },
    },
  },
  "v1/Service": {
    1: { name: "metadata", type: OBJECT_META },
    2: {
      name: "spec",
      type: {
        1: {
          name: "ports",
          repeated: true,
          type: {
            1: { name: "name", type: "string" },
            2: { name: "protocol", type: "string" },
            3: { name: "port", type: "int" },
            4: { name: "targetPort", type: "intOrString" },
            5: { name: "nodePort", type: "int" },
            6: { name: "appProtocol", type: "string" },
          },
        },
        2: { name: "selector", type: { map: true } },
        3: { name: "clusterIP", type: "string" },
        4: { name: "type", type: "string" },
        7: { name: "sessionAffinity", type: "string" },
      },
    },
  },
  "policy/v1/PodDisruptionBudget": {
    1: { name: "metadata", type: OBJECT_META },
    2: {
      name: "spec",
      type: {
        1: { name: "minAvailable", type: "intOrString" },
        2: { name: "selector", type: LABEL_SELECTOR },
        3: { name: "maxUnavailable", type: "intOrString" },
        4: { name: "unhealthyPodEvictionPolicy", type: "string" },
      },
    },
  },
  "policy/v1/Eviction": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "deleteOptions", type: DELETE_OPTIONS },
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error("varint too long");
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const field = schema[num];
    if (!field) {
      r.skip(wire);
      continue;
    }
    let value: unknown;
    const t = field.type;
    if (t === "string") value = r.bytes().toString("utf8");
    else if (t === "bytes") value = r.bytes().toString("base64");
    else if (t === "int") value = Number(BigInt.asIntN(64, r.varint()));
    else if (t === "bool") value = r.varint() !== 0n;
    else if (t === "intOrString") {
      const v = decodeMessage(r.bytes(), {
        1: { name: "type", type: "int" },
        2: { name: "intVal", type: "int" },
        3: { name: "strVal", type: "string" },
      });
      value = v.type === 1 ? (v.strVal ?? "") : (v.intVal ?? 0);
    } else if (t === "time") {
      const time = decodeMessage(r.bytes(), {
        1: { name: "seconds", type: "int" },
        2: { name: "nanos", type: "int" },
      });
      value = time.seconds
        ? new Date(Number(time.seconds) * 1000).toISOString().replace(/\.\d+Z$/, "Z")
        : undefined;
    } else if (typeof t === "object" && "map" in t) {
      const entry = decodeMessage(r.bytes(), {
        1: { name: "key", type: "string" },
        2: { name: "value", type: t.quantity ? QUANTITY : t.bytes ? "bytes" : "string" },
      });
      const m = (out[field.name] ??= {}) as Record<string, unknown>;
      const v = entry.value;
      m[String(entry.key ?? "")] = t.quantity
        ? ((v as { string?: string } | undefined)?.string ?? "0")
        : (v ?? "");
      continue;
    } else value = decodeMessage(r.bytes(), t as Schema);
    if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(value);
    // Go writes zero values of non-pointer fields; JSON (omitempty) leaves them out.
    else if (value !== "" && value !== false && value !== 0 && value !== undefined) out[field.name] = value;
    else if (t === "intOrString") out[field.name] = value;
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a Kubernetes protobuf request body (magic, runtime.Unknown envelope, message) to JSON. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw statusErrors.badRequest("protobuf body without the k8s magic prefix");
  try {
    const envelope = decodeMessage(body.subarray(4), {
      1: {
        name: "typeMeta",
        type: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } },
      },
      2: { name: "raw", type: "bytes" },
    });
    const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const schema = SCHEMAS[`${typeMeta.apiVersion ?? ""}/${typeMeta.kind ?? ""}`];
    if (!schema)
      throw statusErrors.unsupportedMediaType(
        `application/vnd.kubernetes.protobuf (${typeMeta.apiVersion ?? ""} ${typeMeta.kind ?? ""})`,
      );
    const obj = decodeMessage(Buffer.from(String(envelope.raw ?? ""), "base64"), schema);
    return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
  } catch (error) {
    if (error instanceof Error && "code" in error) throw error;
    throw statusErrors.badRequest(`invalid protobuf body: ${(error as Error).message}`);
  }
}
