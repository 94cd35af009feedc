import { describe, expect, it } from "vitest";
import { MAX_KEPT_LABELS, labelKeyFilter, slimPod, withLabels } from "./slim.js";

describe("labels kept on reduced objects", () => {
  it("keeps only allowlisted labels (exact or prefix), bounded in number and size", () => {
    const keep = labelKeyFilter(["app", "app.kubernetes.io/*"]);
    const labels: Record<string, string> = {
      app: "web",
      "app.kubernetes.io/name": "web",
      "pod-template-hash": "7d9f8",
      owner: "52998224725",
      "app.kubernetes.io/long": "x".repeat(64),
    };
    for (let i = 0; i < 40; i++) labels[`app.kubernetes.io/k${i}`] = String(i);
    const raw = { metadata: { name: "web-1", namespace: "shop", uid: "u", labels } };
    const pod = withLabels(slimPod(raw), raw, keep);
    expect(pod.metadata.labels?.app).toBe("web");
    expect(pod.metadata.labels?.["app.kubernetes.io/name"]).toBe("web");
    expect(pod.metadata.labels?.["pod-template-hash"]).toBeUndefined();
    expect(pod.metadata.labels?.owner).toBeUndefined();
    expect(pod.metadata.labels?.["app.kubernetes.io/long"]).toBeUndefined();
    expect(Object.keys(pod.metadata.labels ?? {})).toHaveLength(MAX_KEPT_LABELS);
    // Nothing to keep: the same object.
    const bare = slimPod({ metadata: { name: "x", uid: "u" } });
    expect(withLabels(bare, { metadata: { labels: { other: "1" } } }, keep)).toBe(bare);
  });
});
