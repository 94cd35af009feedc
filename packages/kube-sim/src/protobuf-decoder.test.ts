import { describe, expect, it } from "vitest";
import { decodeKubernetesProtobuf } from "./protobuf-decoder.js";

// A minimal protobuf writer, enough to build the messages kubectl sends.
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
};
const bytesField = (num: number, data: Buffer | string): Buffer => {
  const b = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.from([...varint((num << 3) | 2), ...varint(b.length), ...b]);
};
const intField = (num: number, n: number): Buffer => Buffer.from([...varint(num << 3), ...varint(n)]);
const msg = (...fields: Buffer[]) => Buffer.concat(fields);

describe("Kubernetes protobuf request bodies", () => {
  it("decodes a TokenRequest as kubectl create token sends it", () => {
    const meta = msg(
      bytesField(1, "agent"),
      bytesField(3, "default"),
      bytesField(11, msg(bytesField(1, "k"), bytesField(2, "v"))),
    );
    const spec = msg(
      bytesField(1, "causeway"),
      bytesField(1, "https://kubernetes.default.svc.cluster.local"),
      intField(4, 600),
      bytesField(3, msg(bytesField(1, "Secret"), bytesField(3, "task-1"), bytesField(4, "uid-1"))),
    );
    const raw = msg(bytesField(1, meta), bytesField(2, spec), bytesField(99, "ignored unknown field"));
    const envelope = msg(
      bytesField(1, msg(bytesField(1, "authentication.k8s.io/v1"), bytesField(2, "TokenRequest"))),
      bytesField(2, raw),
    );
    const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), envelope]);
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: "agent", namespace: "default", labels: { k: "v" } },
      spec: {
        audiences: ["causeway", "https://kubernetes.default.svc.cluster.local"],
        expirationSeconds: 600,
        boundObjectRef: { kind: "Secret", name: "task-1", uid: "uid-1" },
      },
    });
  });

  it("refuses kinds it cannot decode (415) and malformed bodies (400)", () => {
    const envelope = msg(
      bytesField(1, msg(bytesField(1, "apps/v1"), bytesField(2, "StatefulSet"))),
      bytesField(2, ""),
    );
    expect(() => decodeKubernetesProtobuf(Buffer.concat([Buffer.from("k8s\0"), envelope]))).toThrow(
      expect.objectContaining({ code: 415 }),
    );
    expect(() => decodeKubernetesProtobuf(Buffer.from("{}"))).toThrow(expect.objectContaining({ code: 400 }));
    expect(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff]))).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });

  it("decodes bytes maps as base64 and leaves out the zero values Go writes", () => {
    const entry = (k: string, v: string) => bytesField(2, msg(bytesField(1, k), bytesField(2, v)));
    const raw = msg(
      bytesField(1, msg(bytesField(1, "creds"), bytesField(2, ""), bytesField(3, ""))),
      entry("user", "admin"),
      bytesField(3, ""),
      intField(5, 0),
    );
    const envelope = msg(
      bytesField(1, msg(bytesField(1, "v1"), bytesField(2, "Secret"))),
      bytesField(2, raw),
    );
    expect(decodeKubernetesProtobuf(Buffer.concat([Buffer.from("k8s\0"), envelope]))).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "creds" },
      data: { user: Buffer.from("admin").toString("base64") },
    });
  });
});
