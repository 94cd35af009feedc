import { silentLogger } from "@causeway/runtime";
import { type RootCauseOffer, type SymptomOffer, type TopologyOffer } from "@causeway/upstream";
import { describe, expect, it } from "vitest";
import { type RootCauseEngine, type RootCauseReportView } from "../engine/root-cause-engine.js";
import { TopologyGraph } from "../graph/topology-graph.js";
import { type WarningEvent } from "../kube/cluster-model.js";
import { SymptomStore } from "../symptoms/symptom-store.js";
import { UpstreamFeed, type UpstreamSink } from "./upstream-feed.js";

/** Records what the feed offers, as the forwarder would receive it. */
class RecordingSink implements UpstreamSink {
  topology: TopologyOffer[] = [];
  symptoms: SymptomOffer[][] = [];
  rootCauses: RootCauseOffer[] = [];
  connected = false;
  droppedCount = 0;
  readonly metrics = { dropped: { get: () => this.droppedCount } };
  offerTopology(offer: TopologyOffer): void {
    this.topology.push(offer);
  }
  offerSymptoms(changes: readonly SymptomOffer[]): void {
    this.symptoms.push([...changes]);
  }
  offerRootCause(rootCause: RootCauseOffer): void {
    this.rootCauses.push(rootCause);
  }
}

function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const graph = new TopologyGraph({ clock });
  const symptoms = new SymptomStore({ clock });
  const sink = new RecordingSink();
  let report: RootCauseReportView = { rootCauses: [] };
  const engine: RootCauseEngine = {
    name: "test",
    start: () => undefined,
    report: () => report,
    stats: () => ({}),
    stop: () => undefined,
  };
  const events: WarningEvent[] = [];
  let ready = false;
  const feed = new UpstreamFeed({
    sink,
    graph,
    symptoms,
    engine,
    warningEvents: (id) => events.filter((e) => e.entityId === id),
    ready: () => ready,
    log: silentLogger(),
    clock,
    flushIntervalMs: 3_600_000,
    minResnapshotIntervalMs: 60_000,
  });
  return {
    graph,
    symptoms,
    sink,
    feed,
    events,
    setReady: (v: boolean) => (ready = v),
    advance: (ms: number) => (now += ms),
    setReport: (r: RootCauseReportView) => (report = r),
  };
}

describe("UpstreamFeed", () => {
  it("waits for the mediator to be ready, then offers a full snapshot with active symptoms", () => {
    const t = setup();
    t.graph.upsertEntity("kubernetes", {
      id: "pod/shop/web-1",
      kind: "pod",
      name: "web-1",
      namespace: "shop",
      attributes: { "label.app": "web", pod_ip: "10.0.0.1" },
    });
    t.graph.upsertEntity("kubernetes", { id: "node/n1", kind: "node", name: "n1" });
    t.graph.upsertRelation("kubernetes", { fromId: "pod/shop/web-1", toId: "node/n1", type: "runs-on" });
    t.symptoms.set("kubernetes", {
      entityId: "pod/shop/web-1",
      type: "crash_loop_backoff",
      active: true,
      sinceUnixMs: 5,
      evidenceSummary: "container app in CrashLoopBackOff",
    });
    t.events.push({
      entityId: "pod/shop/web-1",
      reason: "BackOff",
      message: "Back-off restarting",
      count: 3,
      lastUnixMs: 1,
    });
    t.feed.start();
    expect(t.sink.topology).toEqual([]);
    t.setReady(true);
    t.feed.tick();
    expect(t.sink.topology).toHaveLength(1);
    expect(t.sink.topology[0]).toMatchObject({
      fullSnapshot: true,
      upsertEntities: [
        {
          id: "pod/shop/web-1",
          kind: "pod",
          name: "web-1",
          namespace: "shop",
          attributes: { "label.app": "web" },
        },
        { id: "node/n1", kind: "node", name: "n1" },
      ],
      upsertRelations: [{ fromId: "pod/shop/web-1", toId: "node/n1", type: "runs-on" }],
    });
    expect(t.sink.symptoms).toEqual([
      [
        {
          entityId: "pod/shop/web-1",
          type: "crash_loop_backoff",
          active: true,
          sinceUnixMs: 5,
          evidenceSummary: "container app in CrashLoopBackOff; BackOff: Back-off restarting",
        },
      ],
    ]);
    expect(t.feed.stats().snapshots).toBe(1);
    t.feed.stop();
  });

  it("coalesces changes between flushes and merges symptom sources", () => {
    const t = setup();
    t.setReady(true);
    t.feed.start();
    for (let i = 0; i < 5; i++)
      t.graph.upsertEntity("agent:a", {
        id: "pod/shop/web-1",
        kind: "pod",
        name: "web-1",
        namespace: "shop",
        attributes: { n: String(i) },
      });
    t.graph.upsertEntity("agent:a", { id: "pod/shop/gone", kind: "pod", name: "gone", namespace: "shop" });
    t.graph.deleteEntity("agent:a", "pod/shop/gone");
    t.symptoms.set("agent:a", {
      entityId: "pod/shop/web-1",
      type: "cpu_throttled",
      active: true,
      sinceUnixMs: 20,
    });
    t.symptoms.set("agent:b", {
      entityId: "pod/shop/web-1",
      type: "cpu_throttled",
      active: true,
      sinceUnixMs: 10,
    });
    t.symptoms.set("agent:a", {
      entityId: "pod/shop/web-1",
      type: "cpu_throttled",
      active: false,
      sinceUnixMs: 30,
    });
    t.feed.flush();
    expect(t.sink.topology.at(-1)).toEqual({
      upsertEntities: [
        { id: "pod/shop/web-1", kind: "pod", name: "web-1", namespace: "shop", attributes: { n: "4" } },
      ],
      deleteEntityIds: ["pod/shop/gone"],
      upsertRelations: [],
      deleteRelations: [],
    });
    // One source cleared, the other still active: active since the earliest.
    expect(t.sink.symptoms.at(-1)).toEqual([
      { entityId: "pod/shop/web-1", type: "cpu_throttled", active: true, sinceUnixMs: 10 },
    ]);
    const before = t.sink.topology.length;
    t.feed.flush();
    expect(t.sink.topology).toHaveLength(before);
    t.feed.stop();
  });

  it("offers primary root causes when the report changes, and snapshots again after a reconnect", () => {
    const t = setup();
    t.setReady(true);
    t.feed.start();
    t.setReport({
      rootCauses: [
        {
          id: "rc-1",
          type: "service_malfunction",
          entityId: "service/shop/web",
          confidence: 0.9123,
          primary: true,
          explanation: "x",
        },
        {
          id: "rc-2",
          type: "bad_rollout",
          entityId: "deployment/shop/web",
          confidence: 0.1,
          primary: false,
          explanation: "y",
        },
      ],
    });
    t.feed.tick();
    expect(t.sink.rootCauses).toEqual([
      {
        id: "rc-1",
        type: "service_malfunction",
        entityId: "service/shop/web",
        confidence: 0.91,
        explanation: "x",
      },
    ]);
    t.feed.tick();
    expect(t.sink.rootCauses).toHaveLength(1);

    // Connected, then disconnected, then back: a snapshot once the interval has passed.
    t.sink.connected = true;
    t.feed.tick();
    t.sink.connected = false;
    t.feed.tick();
    t.sink.connected = true;
    t.feed.tick();
    expect(t.feed.stats().snapshots).toBe(1); // within a minute of the last one
    t.sink.connected = false;
    t.feed.tick();
    t.advance(61_000);
    t.sink.connected = true;
    t.feed.tick();
    expect(t.feed.stats().snapshots).toBe(2);
    // Messages dropped from a full queue force one at once.
    t.sink.connected = false;
    t.feed.tick();
    t.sink.droppedCount = 3;
    t.sink.connected = true;
    t.feed.tick();
    expect(t.feed.stats().snapshots).toBe(3);
    expect(t.sink.topology.filter((o) => o.fullSnapshot)).toHaveLength(3);
    t.feed.stop();
  });
});
