import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeProtobuf } from "./decode.js";
import { type ResourceSpansView, type SpanView } from "./model.js";
import { OtlpDecodeError } from "./otlp-decode-error.js";
import { OTLP_TYPES } from "./otlp-proto.js";
import { decodeTraceRequest } from "./trace-wire-decoder.js";

// The generated OTLP message types and protobufjs's writer, the same modules otlp-proto.ts loads
// (and has configured), to encode requests field by field with unknown fields mixed in.
interface MessageType {
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: unknown): unknown;
  decode(bytes: Uint8Array): unknown;
}
interface Writer {
  uint32(v: number): Writer;
  int32(v: number): Writer;
  uint64(v: number): Writer;
  fixed64(v: number): Writer;
  fixed32(v: number): Writer;
  bytes(v: Uint8Array): Writer;
  finish(): Uint8Array;
}
const require = createRequire(import.meta.url);
const rootPath = require.resolve("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const proto = (
  createRequire(rootPath)(rootPath) as {
    opentelemetry: { proto: Record<string, Record<string, Record<string, MessageType>>> };
  }
).opentelemetry.proto;
const Writer = (createRequire(rootPath)("protobufjs/minimal") as { Writer: { create(): Writer } }).Writer;
const T = OTLP_TYPES.traces.request;
const SpanType = proto.trace!.v1!.Span!;
const StatusType = proto.trace!.v1!.Status!;
const ScopeSpansType = proto.trace!.v1!.ScopeSpans!;
const ResourceSpansType = proto.trace!.v1!.ResourceSpans!;
const ResourceType = proto.resource!.v1!.Resource!;
const KeyValueType = proto.common!.v1!.KeyValue!;
const AnyValueType = proto.common!.v1!.AnyValue!;

// ---- Random requests, in the shape protobufjs's fromObject takes, with encoding noise ----

/** How a message is laid out on the wire beyond its content: all of it valid protobuf. */
interface Noise {
  /** Fields the schema does not know, placed among the known ones. */
  readonly unknown: readonly Uint8Array[];
  /** Orders the fields (protobuf allows any order). */
  readonly shuffle: number;
  /** Scalar fields given twice, an earlier value first (the last wins). */
  readonly repeatScalars: boolean;
}
interface GenAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
  bytesValue?: Uint8Array;
  arrayValue?: { values: GenAnyValue[] };
  kvlistValue?: { values: GenKeyValue[] };
  noise?: Noise;
}
interface GenKeyValue {
  key?: string;
  value?: GenAnyValue;
  noise?: Noise;
}
interface GenSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: number;
  endTimeUnixNano?: number;
  attributes?: GenKeyValue[];
  droppedAttributesCount?: number;
  events?: { timeUnixNano?: number; name?: string; attributes?: GenKeyValue[] }[];
  links?: { traceId?: Uint8Array; spanId?: Uint8Array; attributes?: GenKeyValue[] }[];
  status?: { message?: string; code?: number; noise?: Noise };
  noise?: Noise;
}
interface GenScopeSpans {
  scope?: { name?: string; version?: string };
  spans?: GenSpan[];
  schemaUrl?: string;
  noise?: Noise;
}
interface GenResourceSpans {
  resource?: { attributes?: GenKeyValue[]; droppedAttributesCount?: number; noise?: Noise };
  scopeSpans?: GenScopeSpans[];
  schemaUrl?: string;
  noise?: Noise;
}
interface GenRequest {
  resourceSpans?: GenResourceSpans[];
  noise?: Noise;
}

/** Keys the pipeline reads, and keys drawn often so that duplicates occur. */
const KEY_POOL = ["peer.service", "server.address", "server.port", "net.peer.name", "k", "ключ", ""];

function unknownField(noisy: boolean): fc.Arbitrary<Uint8Array> {
  const field = fc.oneof(fc.integer({ min: 20, max: 2000 }), fc.integer({ min: 20, max: 2 ** 29 - 1 }));
  const value = fc.oneof(
    fc.oneof(fc.nat(), fc.maxSafeNat()).map((v) => [0, (w: Writer) => w.uint64(v)] as const),
    fc.integer({ min: -(2 ** 31), max: -1 }).map((v) => [0, (w: Writer) => w.int32(v)] as const),
    fc.maxSafeNat().map((v) => [1, (w: Writer) => w.fixed64(v)] as const),
    fc.uint8Array({ maxLength: 24 }).map((v) => [2, (w: Writer) => w.bytes(v)] as const),
    fc.nat().map((v) => [5, (w: Writer) => w.fixed32(v)] as const),
  );
  return noisy
    ? fc.tuple(field, value).map(([f, [wire, write]]) => write(Writer.create().uint32(f * 8 + wire)).finish())
    : fc.constant(new Uint8Array());
}

function noise(noisy: boolean): fc.Arbitrary<Noise | undefined> {
  if (!noisy) return fc.constant(undefined);
  return fc.option(
    fc.record({
      unknown: fc.array(unknownField(true), { maxLength: 3 }),
      shuffle: fc.nat(),
      repeatScalars: fc.boolean(),
    }),
    { nil: undefined },
  );
}

function arbitraries(noisy: boolean, maxSafeTimes: boolean) {
  const int64 = maxSafeTimes
    ? fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 })
    : fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(Number));
  const fixed64 = maxSafeTimes
    ? fc.maxSafeNat()
    : fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(Number));
  // Mostly short; sometimes long enough that lengths take two bytes.
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", minLength: 100, maxLength: 160 }) },
  );
  const key = fc.oneof(fc.constantFrom(...KEY_POOL), text);
  const { anyValue } = fc.letrec<{ anyValue: GenAnyValue; keyValue: GenKeyValue }>((tie) => ({
    anyValue: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.record({ noise: noise(noisy) }, { requiredKeys: [] }),
      fc.record({ stringValue: text, noise: noise(noisy) }, { requiredKeys: ["stringValue"] }),
      fc.record({ boolValue: fc.boolean(), noise: noise(noisy) }, { requiredKeys: ["boolValue"] }),
      fc.record({ intValue: int64, noise: noise(noisy) }, { requiredKeys: ["intValue"] }),
      fc.record(
        { doubleValue: fc.double({ noNaN: maxSafeTimes }), noise: noise(noisy) },
        { requiredKeys: ["doubleValue"] },
      ),
      fc.record(
        { bytesValue: fc.uint8Array({ maxLength: 6 }), noise: noise(noisy) },
        { requiredKeys: ["bytesValue"] },
      ),
      fc.record(
        {
          arrayValue: fc.record({ values: fc.array(tie("anyValue"), { maxLength: 3 }) }),
          noise: noise(noisy),
        },
        { requiredKeys: ["arrayValue"] },
      ),
      fc.record(
        {
          kvlistValue: fc.record({ values: fc.array(tie("keyValue"), { maxLength: 3 }) }),
          noise: noise(noisy),
        },
        { requiredKeys: ["kvlistValue"] },
      ),
    ),
    keyValue: fc.record({ key, value: tie("anyValue"), noise: noise(noisy) }, { requiredKeys: ["key"] }),
  }));
  // Values nested around the depth where conversion flattens them to "[nested]".
  const deepValue: fc.Arbitrary<GenAnyValue> = fc
    .tuple(fc.array(fc.tuple(fc.boolean(), key), { minLength: 6, maxLength: 11 }), anyValue)
    .map(([levels, leaf]) =>
      levels.reduce<GenAnyValue>(
        (inner, [asArray, k]) =>
          asArray
            ? { arrayValue: { values: [inner, leaf] } }
            : { kvlistValue: { values: [{ key: k, value: inner }] } },
        leaf,
      ),
    );
  const attribute = fc.record(
    {
      key,
      value: fc.oneof({ weight: 4, arbitrary: anyValue }, { weight: 1, arbitrary: deepValue }),
      noise: noise(noisy),
    },
    { requiredKeys: ["key"] },
  );
  const attributes = fc.array(attribute, { maxLength: 6 });
  // Ids: mostly the usual 16 and 8 bytes, sometimes of other lengths; drawn from a few so that
  // parent and child ids meet.
  const traceId = fc.oneof(
    fc.constantFrom(...[1, 2].map((i) => new Uint8Array(16).fill(i))),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.uint8Array({ maxLength: 19 }),
  );
  const spanId = fc.oneof(
    fc.constantFrom(...[1, 2, 3].map((i) => new Uint8Array(8).fill(i))),
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
    fc.uint8Array({ maxLength: 11 }),
  );
  const span: fc.Arbitrary<GenSpan> = fc.record(
    {
      traceId,
      spanId,
      traceState: text,
      parentSpanId: spanId,
      name: text,
      kind: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      startTimeUnixNano: fixed64,
      endTimeUnixNano: fixed64,
      attributes,
      droppedAttributesCount: fc.nat(),
      events: fc.array(fc.record({ timeUnixNano: fixed64, name: text, attributes }, { requiredKeys: [] }), {
        maxLength: 2,
      }),
      links: fc.array(fc.record({ traceId, spanId, attributes }, { requiredKeys: [] }), { maxLength: 2 }),
      status: fc.record(
        { message: text, code: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer()), noise: noise(noisy) },
        { requiredKeys: [] },
      ),
      noise: noise(noisy),
    },
    { requiredKeys: [] },
  );
  const scopeSpans: fc.Arbitrary<GenScopeSpans> = fc.record(
    {
      scope: fc.record({ name: text, version: text }, { requiredKeys: [] }),
      spans: fc.array(span, { maxLength: 5 }),
      schemaUrl: text,
      noise: noise(noisy),
    },
    { requiredKeys: [] },
  );
  const resourceSpans: fc.Arbitrary<GenResourceSpans> = fc.record(
    {
      resource: fc.record(
        { attributes, droppedAttributesCount: fc.nat(), noise: noise(noisy) },
        { requiredKeys: [] },
      ),
      scopeSpans: fc.array(scopeSpans, { maxLength: 3 }),
      schemaUrl: text,
      noise: noise(noisy),
    },
    { requiredKeys: [] },
  );
  const request: fc.Arbitrary<GenRequest> = fc.record(
    { resourceSpans: fc.array(resourceSpans, { maxLength: 3 }), noise: noise(noisy) },
    { requiredKeys: [] },
  );
  return { request };
}

// ---- Encoding with protobufjs, field by field ----

function encodeFields(type: MessageType, fields: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(fields)).finish();
}

function nested(field: number, bytes: Uint8Array): Uint8Array {
  return Writer.create()
    .uint32(field * 8 + 2)
    .bytes(bytes)
    .finish();
}

/** Fragments (one field each) laid out with the message's noise: repeats, unknown fields, order. */
function layout(
  type: MessageType,
  scalars: Record<string, unknown>,
  decoys: Record<string, unknown>,
  messages: Uint8Array[],
  n: Noise | undefined,
): Buffer {
  const fragments: Uint8Array[] = [];
  for (const [name, value] of Object.entries(scalars)) {
    if (value === undefined) continue;
    if (n?.repeatScalars && name in decoys) fragments.push(encodeFields(type, { [name]: decoys[name] }));
    fragments.push(encodeFields(type, { [name]: value }));
  }
  fragments.push(...messages);
  if (!n) return Buffer.concat(fragments);
  // Any order: protobufjs reads the same bytes, and in both readers the last of a repeated scalar wins.
  const all = [...fragments, ...n.unknown];
  let seed = n.shuffle;
  const order = all.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const placed = order.map((i) => all[i]!);
  return Buffer.concat(placed);
}

function encodeAnyValue(v: GenAnyValue): Uint8Array {
  const messages: Uint8Array[] = [];
  const scalars: Record<string, unknown> = {};
  if (v.arrayValue)
    messages.push(nested(5, Buffer.concat(v.arrayValue.values.map((x) => nested(1, encodeAnyValue(x))))));
  else if (v.kvlistValue)
    messages.push(nested(6, Buffer.concat(v.kvlistValue.values.map((x) => nested(1, encodeKeyValue(x))))));
  else {
    for (const k of ["stringValue", "boolValue", "intValue", "doubleValue", "bytesValue"] as const) {
      if (v[k] !== undefined) scalars[k] = v[k];
    }
  }
  // One member of the oneof at most: a repeat would be a second member (the last wins in
  // protobuf, not in protobufjs), so no decoys here.
  return layout(AnyValueType, scalars, {}, messages, v.noise && { ...v.noise, repeatScalars: false });
}

function encodeKeyValue(kv: GenKeyValue): Uint8Array {
  const messages = kv.value ? [nested(2, encodeAnyValue(kv.value))] : [];
  return layout(KeyValueType, { key: kv.key }, { key: "decoy" }, messages, kv.noise);
}

function encodeSpan(s: GenSpan): Uint8Array {
  const { attributes, events, links, status, noise: n, ...scalars } = s;
  const messages = (attributes ?? []).map((kv) => nested(9, encodeKeyValue(kv)));
  // Events and links are skipped by the wire reader: protobufjs encodes them whole.
  if (events?.length) messages.push(encodeFields(SpanType, { events }));
  if (links?.length) messages.push(encodeFields(SpanType, { links }));
  if (status) {
    const { noise: sn, ...fields } = status;
    messages.push(nested(15, layout(StatusType, fields, { code: 1, message: "decoy" }, [], sn)));
  }
  const decoys = {
    traceId: new Uint8Array([9]),
    spanId: new Uint8Array(8),
    parentSpanId: new Uint8Array(3),
    name: "decoy",
    kind: 3,
    startTimeUnixNano: 5,
    endTimeUnixNano: 7,
  };
  return layout(SpanType, scalars, decoys, messages, n);
}

function encodeRequest(r: GenRequest): Buffer {
  const resourceSpans = (r.resourceSpans ?? []).map((rs) => {
    const messages: Uint8Array[] = [];
    if (rs.resource) {
      const { attributes, noise: rn, ...fields } = rs.resource;
      const kvs = (attributes ?? []).map((kv) => nested(1, encodeKeyValue(kv)));
      messages.push(nested(1, layout(ResourceType, fields, {}, kvs, rn)));
    }
    for (const ss of rs.scopeSpans ?? []) {
      const spans = (ss.spans ?? []).map((s) => nested(2, encodeSpan(s)));
      const scope = ss.scope ? [encodeFields(ScopeSpansType, { scope: ss.scope })] : [];
      messages.push(
        nested(2, layout(ScopeSpansType, { schemaUrl: ss.schemaUrl }, {}, [...scope, ...spans], ss.noise)),
      );
    }
    return nested(1, layout(ResourceSpansType, { schemaUrl: rs.schemaUrl }, {}, messages, rs.noise));
  });
  return layout(T as MessageType, {}, {}, resourceSpans, r.noise);
}

// ---- Comparing views ----

function keysOf(r: GenRequest): string[] {
  const keys = new Set<string>([...KEY_POOL, "absent.key"]);
  for (const rs of r.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? []) for (const kv of s.attributes ?? []) keys.add(kv.key ?? "");
  return [...keys];
}

function project(s: SpanView, keys: readonly string[]) {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    hasParent: s.hasParent,
    spanKey: s.spanKey,
    parentKey: s.parentKey,
    name: s.name,
    kind: s.kind,
    startUnixNano: s.startUnixNano,
    endUnixNano: s.endUnixNano,
    statusCode: s.statusCode,
    attributes: keys.map((k) => [k, s.attributes.get(k)]),
  };
}

function expectSameViews(
  actual: ResourceSpansView[],
  expected: ResourceSpansView[],
  keys: readonly string[],
): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((rs, i) => {
    const e = expected[i]!;
    expect([...rs.resource.attributes]).toEqual([...e.resource.attributes]);
    expect(rs.spans.map((s) => project(s, keys))).toEqual(e.spans.map((s) => project(s, keys)));
  });
}

function protobufjsViews(bytes: Buffer): ResourceSpansView[] {
  return decodeProtobuf("traces", bytes).data as ResourceSpansView[];
}

/** Decodes with the wire reader; anything but views or OtlpDecodeError fails the test. */
function wireOrError(bytes: Buffer): ResourceSpansView[] | OtlpDecodeError {
  try {
    return decodeTraceRequest(bytes);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
}

describe("decodeTraceRequest", () => {
  it("gives the views protobufjs gives, for random requests with unknown fields, repeats, any field order", () => {
    const { request } = arbitraries(true, false);

    fc.assert(
      fc.property(request, (r) => {
        const bytes = encodeRequest(r);
        expectSameViews(decodeTraceRequest(bytes), protobufjsViews(bytes), keysOf(r));
      }),
      { numRuns: 400 },
    );
  });

  it("either gives protobufjs's views or throws OtlpDecodeError, for mutated and truncated requests", () => {
    const { request } = arbitraries(false, true);
    const mutation = fc.oneof(
      fc.record({ op: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({
        op: fc.constant("insert" as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
      }),
      fc.record({ op: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
    );
    let canonical = 0;
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(request, fc.array(mutation, { minLength: 1, maxLength: 3 }), (r, mutations) => {
        let bytes = Buffer.from(T.encode(T.fromObject(r)).finish());
        for (const m of mutations) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length;
          if (m.op === "set" && bytes.length > 0) bytes[at] = m.byte;
          else if (m.op === "truncate") bytes = bytes.subarray(0, at);
          else if (m.op === "insert")
            bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
          else if (m.op === "delete")
            bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.len)]);
        }
        bytes = Buffer.from(bytes);
        runs++;
        const keys = keysOf(r);
        const wire = wireOrError(bytes);
        if (!(wire instanceof OtlpDecodeError)) {
          accepted++;
          // Every view reads without failing: attributes were validated up front.
          for (const rs of wire) for (const s of rs.spans) project(s, keys);
        }
        // protobufjs reads across message bounds and converts invalid UTF-8 without complaint, so
        // it is the reference only where its reading is unambiguous: where it accepts the bytes
        // and encodes what it read back to exactly the same bytes.
        let reencoded: Buffer | undefined;
        try {
          reencoded = Buffer.from(T.encode(T.decode(bytes)).finish());
        } catch {
          reencoded = undefined;
        }
        if (reencoded?.equals(bytes)) {
          canonical++;
          expect(wire).not.toBeInstanceOf(OtlpDecodeError);
          expectSameViews(wire as ResourceSpansView[], protobufjsViews(bytes), keys);
        }
      }),
      { numRuns: 1500 },
    );
    // Both branches were exercised.
    expect(canonical).toBeGreaterThan(runs / 10);
    expect(runs - accepted).toBeGreaterThan(runs / 10);
  });
});

// ---- Hand-built bytes: what protobuf requires where protobufjs reads otherwise, and malformed input ----

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v > 127n) {
    out.push(Number(v & 127n) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wire: number): number[] => varint(BigInt(field * 8 + wire));
const bytes = (...parts: (number[] | Uint8Array)[]): Buffer =>
  Buffer.concat(parts.map((p) => Buffer.from(p)));
/** A length-delimited field. */
const ld = (field: number, ...parts: (number[] | Uint8Array)[]): Buffer => {
  const body = bytes(...parts);
  return bytes(tag(field, 2), varint(BigInt(body.length)), body);
};
const str = (field: number, s: string): Buffer => ld(field, Buffer.from(s));
const vint = (field: number, v: bigint): Buffer => bytes(tag(field, 0), varint(v));
const stringValue = (s: string): Buffer => str(1, s);
const intValue = (v: bigint): Buffer => vint(3, v);
const kv = (key: string, ...value: Buffer[]): Buffer => bytes(str(1, key), ...value.map((v) => ld(2, v)));
/** A request with one resource (`resource` its attributes) and one span (`span` its fields). */
const request = (resource: Buffer[], span: Buffer[]): Buffer =>
  ld(1, ld(1, ...resource.map((r) => ld(1, r))), ld(2, ld(2, ...span)));
const TRACE = new Uint8Array(16).fill(7);
const SPAN = new Uint8Array(8).fill(8);
const validSpan = (): Buffer[] => [
  ld(1, TRACE),
  ld(2, SPAN),
  str(5, "GET /"),
  vint(6, 2n),
  ld(9, kv("k", stringValue("v"))),
];

function onlySpan(b: Buffer): SpanView {
  const views = decodeTraceRequest(b);
  expect(views).toHaveLength(1);
  expect(views[0]!.spans).toHaveLength(1);
  return views[0]!.spans[0]!;
}

function expectMalformed(b: Uint8Array, message: RegExp): void {
  expect(() => decodeTraceRequest(b)).toThrow(OtlpDecodeError);
  expect(() => decodeTraceRequest(b)).toThrow(message);
}

describe("decodeTraceRequest on hand-built bytes", () => {
  it("reads an empty request, and a Uint8Array that is not a Buffer", () => {
    expect(decodeTraceRequest(new Uint8Array())).toEqual([]);
    const b = request([kv("service.name", stringValue("svc"))], validSpan());
    const copy = new Uint8Array(b.length + 4).subarray(2, 2 + b.length);
    copy.set(b);
    const [rs] = decodeTraceRequest(copy);
    expect(rs?.resource.attributes.get("service.name")).toBe("svc");
    expect(rs?.spans[0]?.attributes.get("k")).toBe("v");
  });

  it("merges a status given twice, where protobufjs keeps only the last", () => {
    const b = request([], [...validSpan(), ld(15, vint(3, 2n)), ld(15, str(2, "later, without a code"))]);
    expect(onlySpan(b).statusCode).toBe(2);
    expect(protobufjsViews(b)[0]!.spans[0]!.statusCode).toBe(0);
    const replaced = request([], [...validSpan(), ld(15, vint(3, 2n)), ld(15, vint(3, 1n))]);
    expect(onlySpan(replaced).statusCode).toBe(1);
  });

  it("merges a resource given twice: its attribute lists are concatenated", () => {
    const b = ld(
      1,
      ld(1, ld(1, kv("a", stringValue("1"))), ld(1, kv("b", stringValue("2")))),
      ld(2, ld(2, ...validSpan())),
      ld(1, ld(1, kv("a", stringValue("3")))),
    );
    expect([...decodeTraceRequest(b)[0]!.resource.attributes]).toEqual([
      ["a", "3"],
      ["b", "2"],
    ]);
  });

  it("merges a value given twice: the last member of the oneof wins, lists given twice are joined", () => {
    const arrayOf = (...values: Buffer[]): Buffer => ld(5, ...values.map((v) => ld(1, v)));
    const span = [
      ...validSpan(),
      ld(9, kv("replaced", stringValue("x"), intValue(5n))),
      ld(9, kv("joined", arrayOf(intValue(1n)), arrayOf(intValue(2n)))),
      ld(9, kv("reset", arrayOf(intValue(1n)), stringValue("s"), arrayOf(intValue(2n)))),
      ld(9, kv("same-message", bytes(arrayOf(intValue(1n)), arrayOf(intValue(3n))))),
    ];
    const attributes = onlySpan(request([kv("r", stringValue("x"), intValue(-5n))], span)).attributes;
    expect(attributes.get("replaced")).toBe(5);
    expect(attributes.get("joined")).toBe("[1,2]");
    expect(attributes.get("reset")).toBe("[2]");
    expect(attributes.get("same-message")).toBe("[1,3]");
    expect(
      decodeTraceRequest(
        request([kv("r", stringValue("x"), intValue(-5n))], span),
      )[0]!.resource.attributes.get("r"),
    ).toBe(-5);
  });

  it("skips a known field sent with another wire type, as an unknown field", () => {
    const span = onlySpan(
      request([], [...validSpan(), vint(5, 3n), ld(6, [1, 2]), bytes(tag(7, 0), varint(9n))]),
    );
    expect(span.name).toBe("GET /");
    expect(span.kind).toBe(2);
    expect(span.startUnixNano).toBe(0);
  });

  it("reads varints up to 10 bytes, including padded ones, and refuses longer", () => {
    expect(onlySpan(request([], [...validSpan(), vint(6, -1n)])).kind).toBe(-1);
    // A length written in more bytes than needed (0x85 0x80 0x80 0x00 is 5).
    const padded = request(
      [],
      [...validSpan(), bytes(tag(5, 2), [0x85, 0x80, 0x80, 0x00], Buffer.from("abcde"))],
    );
    expect(onlySpan(padded).name).toBe("abcde");
    // A field number of 2^29 - 1 needs a five-byte tag.
    expect(onlySpan(request([], [...validSpan(), vint(2 ** 29 - 1, 1n)])).kind).toBe(2);
    const eleven = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expectMalformed(request([], [...validSpan(), bytes(tag(6, 0), eleven)]), /longer than 10 bytes/);
    expectMalformed(
      request([], [...validSpan(), bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0])]),
      /tag beyond 32 bits/,
    );
    expectMalformed(
      request([], [...validSpan(), bytes(tag(6, 2), [0x80, 0x80, 0x80, 0x80, 0x10])]),
      /length past the end/,
    );
  });

  it("refuses a length past the end of its message even when the buffer goes on, which protobufjs reads", () => {
    // The span's name claims 9 bytes; the span has 5 left, the request more.
    const inner = bytes(ld(1, TRACE), tag(5, 2), [9], Buffer.from("GET /"));
    const b = ld(1, ld(2, bytes(tag(2, 2), varint(BigInt(inner.length)), inner)), vint(99, 1n));
    expect(() => T.decode(b)).not.toThrow();
    expectMalformed(b, /length past the end of its message/);
  });

  it("refuses groups, invalid wire types and field number 0", () => {
    expectMalformed(request([], [...validSpan(), bytes(tag(20, 3), tag(20, 4))]), /group/);
    expectMalformed(request([], [...validSpan(), bytes(tag(20, 4))]), /group/);
    expectMalformed(request([], [...validSpan(), bytes(tag(20, 6), [0])]), /invalid wire type 6/);
    expectMalformed(request([], [...validSpan(), bytes(tag(20, 7), [0])]), /invalid wire type 7/);
    expectMalformed(request([], [...validSpan(), bytes([0x02, 0x00])]), /field number 0/);
  });

  it("throws OtlpDecodeError for every truncation that cuts a message short", () => {
    const b = request(
      [kv("service.name", stringValue("svc")), kv("n", intValue(-3n))],
      [
        ...validSpan(),
        bytes(tag(7, 1), Buffer.alloc(8, 1)),
        ld(15, vint(3, 2n)),
        ld(9, kv("d", bytes(tag(4, 1), Buffer.alloc(8)))),
      ],
    );
    for (let n = 1; n < b.length; n++) {
      // The request is one resource_spans field: any cut falls inside it.
      expect(() => decodeTraceRequest(b.subarray(0, n))).toThrow(OtlpDecodeError);
    }
    expect(decodeTraceRequest(b)).toHaveLength(1);
  });

  it("refuses values nested past 100 messages, and flattens deep but allowed ones", () => {
    const nest = (levels: number): Buffer => {
      let v = stringValue("leaf");
      for (let i = 0; i < levels; i++) v = ld(5, ld(1, v));
      return v;
    };
    // A span attribute's value sits at message depth 6; each array adds two.
    const allowed = onlySpan(request([], [...validSpan(), ld(9, kv("deep", nest(47)))]));
    let flattened = "[nested]";
    for (let i = 0; i < 8; i++) flattened = JSON.stringify([flattened]);
    expect(allowed.attributes.get("deep")).toBe(flattened);
    expectMalformed(request([], [...validSpan(), ld(9, kv("deep", nest(48)))]), /nested deeper than 100/);
    expectMalformed(request([kv("deep", nest(48))], validSpan()), /nested deeper than 100/);
    // Inside a field the reader skips, nesting is not looked at (nor is it by protobufjs).
    expect(onlySpan(request([], [...validSpan(), ld(11, nest(10_000))])).name).toBe("GET /");
  });

  it("reads keys and values whose lengths take more than one byte", () => {
    const key = "k".repeat(200);
    const value = "v".repeat(300);
    const b = request(
      [kv(key, stringValue(value))],
      [...validSpan(), ld(9, kv(key, stringValue(value))), ld(9, kv("x".repeat(130), stringValue("1")))],
    );
    const span = onlySpan(b);
    expect(span.attributes.get(key)).toBe(value);
    expect(span.attributes.get("x".repeat(130))).toBe("1");
    expect(decodeTraceRequest(b)[0]!.resource.attributes.get(key)).toBe(value);
    expectSameViews(decodeTraceRequest(b), protobufjsViews(b), [key, "x".repeat(130), "k"]);
  });

  it("decodes invalid UTF-8 to U+FFFD as protobufjs does, and looks up non-ASCII keys", () => {
    const bad = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82]);
    const b = request(
      [],
      [
        ...validSpan(),
        ld(5, bad),
        ld(9, kv("ключ", stringValue("значение"))),
        ld(9, bytes(ld(1, bad), ld(2, stringValue("x")))),
      ],
    );
    const span = onlySpan(b);
    expect(span.name).toBe(protobufjsViews(b)[0]!.spans[0]!.name);
    expect(span.name).toContain("\ufffd");
    expect(span.attributes.get("ключ")).toBe("значение");
    expect(span.attributes.get(bad.toString("utf8"))).toBe("x");
    expect(span.attributes.get("k")).toBe("v");
    expect(span.attributes.get("missing")).toBeUndefined();
  });
});
