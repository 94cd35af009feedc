import { gzipSync } from "node:zlib";
import { Client, credentials, type Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { OTLP_TYPES } from "@causeway/otlp-receiver";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverHarness } from "./otlp-harness.js";

const MAX_BYTES = 256 * 1024;
const TRACE_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

function validTraceRequest(spans = 20): Buffer {
  const T = OTLP_TYPES.traces.request;
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "fuzz" } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: Buffer.alloc(16, i + 1),
              spanId: Buffer.alloc(8, i + 1),
              name: `op-${i % 3}`,
              kind: 2,
              startTimeUnixNano: 1_700_000_000_000_000_000,
              endTimeUnixNano: 1_700_000_000_050_000_000,
              attributes: [{ key: "http.route", value: { stringValue: "/x" } }],
            })),
          },
        ],
      },
    ],
  };
  return Buffer.from(T.encode(T.fromObject(request)).finish());
}

async function postHttp(
  h: ReceiverHarness,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${h.httpUrl}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", ...headers },
    body,
  });
}

function callGrpc(client: Client, payload: Buffer): Promise<{ code: number; metadata?: Metadata }> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      TRACE_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      payload,
      (error: ServiceError | null) =>
        resolve(error ? { code: error.code, metadata: error.metadata } : { code: status.OK }),
    ),
  );
}

let h: ReceiverHarness;
let client: Client;
beforeAll(async () => {
  h = await startReceiver({ maxMessageBytes: MAX_BYTES });
  client = new Client(h.grpcUrl.replace("http://", ""), credentials.createInsecure(), {
    "grpc.max_send_message_length": 16 * 1024 * 1024,
  });
});
afterAll(async () => {
  client?.close();
  await h?.close();
});

describe("OTLP receiver robustness", () => {
  it("answers random bytes with 200 or 400 (HTTP) and OK or INVALID_ARGUMENT (gRPC), and stays up", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const res = await postHttp(h, Buffer.from(bytes));
        expect([200, 400]).toContain(res.status);
        await res.arrayBuffer();
        const g = await callGrpc(client, Buffer.from(bytes));
        expect([status.OK, status.INVALID_ARGUMENT]).toContain(g.code);
      }),
      { numRuns: 150 },
    );
    expect((await postHttp(h, validTraceRequest())).status).toBe(200);
  });

  it("survives mutated valid payloads", async () => {
    const valid = validTraceRequest();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (mutations) => {
          const mutated = Buffer.from(valid);
          for (const [at, value] of mutations) mutated[at] = value;
          const res = await postHttp(h, mutated);
          expect([200, 400]).toContain(res.status);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
    expect((await callGrpc(client, validTraceRequest())).code).toBe(status.OK);
  });

  it("refuses oversized messages: 413 over HTTP, also after gzip inflation, RESOURCE_EXHAUSTED over gRPC", async () => {
    const big = Buffer.alloc(MAX_BYTES + 1024, 0);
    expect((await postHttp(h, big)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(MAX_BYTES * 8, 0));
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    expect((await postHttp(h, bomb, { "content-encoding": "gzip" })).status).toBe(413);
    expect((await callGrpc(client, big)).code).toBe(status.RESOURCE_EXHAUSTED);
    expect((await postHttp(h, gzipSync(validTraceRequest()), { "content-encoding": "gzip" })).status).toBe(
      200,
    );
  });

  it("handles deep nesting without crashing", async () => {
    let value = '{"stringValue":"leaf"}';
    for (let i = 0; i < 3000; i++) value = `{"kvlistValue":{"values":[{"key":"k","value":${value}}]}}`;
    const json = `{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":${value}}]},"scopeSpans":[]}]}`;
    const res = await postHttp(h, json, { "content-type": "application/json" });
    expect([200, 400]).toContain(res.status);
    // The same in protobuf: AnyValue{kvlist{KeyValue{key, AnyValue{...}}}} nested 20,000 deep.
    let inner = Buffer.from([0x0a, 0x01, 0x78]); // AnyValue.string_value = "x"
    for (let i = 0; i < 10_000; i++) {
      const kv = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(inner.length), inner]);
      const list = Buffer.concat([Buffer.from([0x0a]), varint(kv.length), kv]);
      inner = Buffer.concat([Buffer.from([0x32]), varint(list.length), list]);
    }
    expect([200, 400]).toContain((await postHttp(h, inner)).status);
    expect((await postHttp(h, validTraceRequest())).status).toBe(200);
  });

  it("rejects wrong content types and methods with clear statuses", async () => {
    expect((await postHttp(h, "x", { "content-type": "text/plain" })).status).toBe(415);
    expect((await fetch(`${h.httpUrl}/v1/traces`)).status).toBe(405);
    expect((await fetch(`${h.httpUrl}/v1/nothing`, { method: "POST" })).status).toBe(404);
    const bad = await postHttp(h, "{not json", { "content-type": "application/json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/malformed OTLP traces JSON/);
  });

  it("keeps its memory bounded under a stream of bad and good requests", async () => {
    const valid = validTraceRequest(200);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 600; i++) {
      const res = await postHttp(
        h,
        i % 3 === 0 ? valid : Buffer.from(valid.subarray(0, (i * 37) % valid.length)),
      );
      await res.arrayBuffer();
    }
    const growthMiB = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    expect(growthMiB).toBeLessThan(64);
  });
});

describe("OTLP receiver under overload", () => {
  it("answers 503 with Retry-After and UNAVAILABLE with RetryInfo while VictoriaMetrics cannot keep up", async () => {
    // VictoriaMetrics is down (nothing listens on the port), so the write queue fills up.
    const small = await startReceiver({
      vmUrl: "http://127.0.0.1:1",
      maxQueuedLines: 1000,
      overrides: { retryAfterMs: 2000 },
    });
    const c = new Client(small.grpcUrl.replace("http://", ""), credentials.createInsecure());
    try {
      const M = OTLP_TYPES.metrics.request;
      const payload = Buffer.from(
        M.encode(
          M.fromObject({
            resourceMetrics: [
              {
                resource: { attributes: [{ key: "service.name", value: { stringValue: "load" } }] },
                scopeMetrics: [
                  {
                    metrics: [
                      {
                        name: "queue.depth",
                        gauge: {
                          dataPoints: Array.from({ length: 100 }, (_, i) => ({
                            asDouble: i,
                            attributes: [{ key: "i", value: { intValue: i } }],
                          })),
                        },
                      },
                    ],
                  },
                ],
              },
            ],
          }),
        ).finish(),
      );
      const post = () =>
        fetch(`${small.httpUrl}/v1/metrics`, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body: payload,
        });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await post()).status);
      expect(statuses.slice(0, 8)).toEqual(Array(8).fill(200));
      expect(statuses.slice(8)).toEqual(Array(4).fill(503));
      const refused = await post();
      expect(refused.headers.get("retry-after")).toBe("2");
      const g = await new Promise<{ code: number; metadata?: Metadata }>((resolve) =>
        c.makeUnaryRequest(
          "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
          (b: Buffer) => b,
          (b: Buffer) => b,
          payload,
          (error: ServiceError | null) =>
            resolve(error ? { code: error.code, metadata: error.metadata } : { code: status.OK }),
        ),
      );
      expect(g.code).toBe(status.UNAVAILABLE);
      expect(g.metadata?.get("grpc-status-details-bin")).toHaveLength(1);
      expect(small.receiver.stats.refusedOverload).toBe(6);
      expect(small.writer?.dropped).toBe(0);
    } finally {
      c.close();
      await small.close();
    }
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
