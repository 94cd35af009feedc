import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeJson, decodeProtobuf, decodeProtobufRequest } from "./decode.js";
import { type ResourceSpansView } from "./model.js";
import { OTLP_TYPES } from "./otlp-proto.js";
import { TracesProcessor, type CallEdge } from "./traces-processor.js";

const T = OTLP_TYPES.traces.request;

function processor(edges: CallEdge[], maxPendingClientSpans = 100): TracesProcessor {
  return new TracesProcessor({
    maxOperationsPerService: 3,
    maxPendingClientSpans,
    onEdge: (e) => edges.push(e),
  });
}

const id = (length: number, fill: number): Buffer => Buffer.alloc(length, fill);

// Spans of a few services whose ids are drawn from small pools, so that client and server halves
// meet within and across requests; a few ids are of unusual length.
const traceIds = [id(16, 1), id(16, 2), id(5, 3)];
const spanIds = [1, 2, 3, 4, 5, 6].map((i) => id(8, i)).concat([id(3, 9)]);
const span = fc.record({
  traceId: fc.constantFrom(...traceIds),
  spanId: fc.constantFrom(...spanIds),
  parentSpanId: fc.option(fc.constantFrom(...spanIds), { nil: undefined }),
  name: fc.constantFrom("GET /a", "GET /b", "POST /c", "PUT /d", "PATCH /e"),
  kind: fc.integer({ min: 0, max: 5 }),
  startTimeUnixNano: fc.constant(1_700_000_000_000_000_000),
  endTimeUnixNano: fc.integer({ min: 0, max: 3_000_000_000 }).map((d) => 1_700_000_000_000_000_000 + d),
  status: fc.record({ code: fc.integer({ min: 0, max: 2 }) }),
  attributes: fc.subarray([
    { key: "peer.service", value: { stringValue: "named" } },
    { key: "server.address", value: { stringValue: "db.example" } },
    { key: "server.port", value: { intValue: 5432 } },
    { key: "other", value: { boolValue: true } },
  ]),
});
const resourceSpans = fc.record({
  resource: fc.record({
    attributes: fc.constantFrom("front", "back", "db").map((service) => [
      { key: "service.name", value: { stringValue: service } },
      { key: "k8s.namespace.name", value: { stringValue: "shop" } },
    ]),
  }),
  scopeSpans: fc.array(fc.record({ spans: fc.array(span, { maxLength: 6 }) }), { maxLength: 2 }),
});
const requests = fc.array(
  fc.record({ resourceSpans: fc.array(resourceSpans, { minLength: 1, maxLength: 3 }) }),
  {
    minLength: 1,
    maxLength: 8,
  },
);

describe("TracesProcessor", () => {
  it("gives the same series, edges and windows from the wire reader's views as from protobufjs's", () => {
    fc.assert(
      fc.property(requests, fc.integer({ min: 1, max: 20 }), (batch, maxPending) => {
        const [edgesA, edgesB] = [[] as CallEdge[], [] as CallEdge[]];
        const [a, b] = [processor(edgesA, maxPending), processor(edgesB, maxPending)];
        batch.forEach((request, i) => {
          const bytes = Buffer.from(T.encode(T.fromObject(request)).finish());
          a.process(decodeProtobuf("traces", bytes).data as ResourceSpansView[], undefined, 1000 + i);
          b.process(decodeProtobufRequest("traces", bytes).data as ResourceSpansView[], undefined, 1000 + i);
        });
        expect(edgesB).toEqual(edgesA);
        expect(b.seriesLines(5000)).toEqual(a.seriesLines(5000));
        expect(b.drainWindow()).toEqual(a.drainWindow());
        expect(b.droppedClientSpans).toBe(a.droppedClientSpans);
      }),
      { numRuns: 300 },
    );
  });

  it("pairs a client span sent as JSON with its server child sent as protobuf", () => {
    const edges: CallEdge[] = [];
    const p = processor(edges);
    const resource = (service: string) => ({
      attributes: [
        { key: "service.name", value: { stringValue: service } },
        { key: "k8s.namespace.name", value: { stringValue: "shop" } },
      ],
    });
    const json = JSON.stringify({
      resourceSpans: [
        {
          resource: resource("front"),
          scopeSpans: [
            { spans: [{ traceId: "AB".repeat(16), spanId: "0C".repeat(8), name: "GET /x", kind: 3 }] },
          ],
        },
      ],
    });
    p.process(decodeJson("traces", json).data as ResourceSpansView[], undefined, 1);
    expect(edges).toEqual([]);
    const proto = T.encode(
      T.fromObject({
        resourceSpans: [
          {
            resource: resource("back"),
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: id(16, 0xab),
                    spanId: id(8, 1),
                    parentSpanId: id(8, 0x0c),
                    name: "GET /x",
                    kind: 2,
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    p.process(decodeProtobufRequest("traces", proto).data as ResourceSpansView[], undefined, 2);
    expect(edges.map((e) => [e.fromId, e.toId])).toEqual([["service/shop/front", "service/shop/back"]]);
  });
});
