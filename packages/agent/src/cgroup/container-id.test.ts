import { describe, expect, it } from "vitest";
import { parseContainerCgroup, parseContainerStatusId } from "./container-id.js";

const ID = "4f1c0e5b2d7a9c3e8f6b1a0d2c4e6f8a9b7c5d3e1f0a2b4c6d8e0f1a3b5c7d9e";
const UID = "8d3f2a1b-4c5d-6e7f-8a9b-0c1d2e3f4a5b";
const UID_ = UID.replace(/-/g, "_");

describe("parseContainerCgroup", () => {
  it.each([
    // systemd driver
    [
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      { runtime: "containerd", driver: "systemd", podUid: UID, qosClass: "burstable" },
    ],
    [
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`,
      { runtime: "cri-o", driver: "systemd", podUid: UID, qosClass: "besteffort" },
    ],
    [
      `/kubepods.slice/kubepods-pod${UID_}.slice/docker-${ID}.scope`,
      { runtime: "docker", driver: "systemd", podUid: UID, qosClass: "guaranteed" },
    ],
    [`/system.slice/docker-${ID}.scope`, { runtime: "docker", driver: "systemd", podUid: undefined }],
    // kind: the node's own cgroup namespace puts the kubelet hierarchy below a prefix
    [
      `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      { runtime: "containerd", driver: "systemd", podUid: UID, qosClass: "burstable" },
    ],
    // cgroupfs driver
    [
      `/kubepods/burstable/pod${UID}/${ID}`,
      { runtime: undefined, driver: "cgroupfs", podUid: UID, qosClass: "burstable" },
    ],
    [
      `/kubepods/pod${UID}/${ID}`,
      { runtime: undefined, driver: "cgroupfs", podUid: UID, qosClass: "guaranteed" },
    ],
    [
      `/kubepods/besteffort/pod${UID}/crio-${ID}`,
      { runtime: "cri-o", driver: "cgroupfs", podUid: UID, qosClass: "besteffort" },
    ],
    [`/docker/${ID}`, { runtime: "docker", driver: "cgroupfs", podUid: undefined }],
    // nested below a test prefix
    [`/cw-test-1/kubepods/burstable/pod${UID}/${ID}`, { driver: "cgroupfs", podUid: UID }],
  ])("parses %s", (path, expected) => {
    expect(parseContainerCgroup(path)).toMatchObject({ containerId: ID, ...expected });
  });

  it.each([
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope`],
    [`/kubepods/burstable/pod${UID}`],
    [`/system.slice/containerd.service`],
    [`/user.slice/${ID}`],
    [`/kubepods/burstable/pod${UID}/${ID.slice(1)}`],
    ["/"],
  ])("ignores %s", (path) => {
    expect(parseContainerCgroup(path)).toBeUndefined();
  });
});

describe("parseContainerStatusId", () => {
  it("splits runtime and id", () => {
    expect(parseContainerStatusId(`containerd://${ID}`)).toEqual({ runtime: "containerd", id: ID });
    expect(parseContainerStatusId(`cri-o://${ID}`)).toEqual({ runtime: "cri-o", id: ID });
    expect(parseContainerStatusId(`docker://${ID}`)).toEqual({ runtime: "docker", id: ID });
    expect(parseContainerStatusId("")).toBeUndefined();
  });
});
