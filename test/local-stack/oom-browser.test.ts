// The README's main command end to end, in Debian's headless Chromium: the local stack starts on
// this machine; the OOM fault makes checkout's container exceed its memory limit in its real
// cgroup; the mediator's UI at /ui ranks "memory limit too low" on that container first within
// 30 s of the first OOM kill; the user approves the proposed higher limit in the UI with an
// approver's token; the executor applies it with a per-task token and the UI shows it verified;
// stopping leaves no process, cgroup or namespace behind. Screenshots: test/local-stack/artifacts/.
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkBtf, checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkChromium, launchChromium, type Chromium } from "../ui/browser.js";
import {
  api,
  approverToken,
  firstOomKill,
  leftovers,
  podOf,
  startStackForTest,
  type RootCauseView,
  type StackUnderTest,
} from "./stack-harness.js";

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "artifacts");
const skip = skipUnless("local stack in the browser", checkRoot(), checkBtf(), checkChromium());

interface RemediationView {
  readonly id: string;
  readonly state: string;
  readonly rootCauseId?: string;
  readonly changeSha256: string;
  readonly change: unknown;
  readonly steps: readonly { readonly step: string }[];
}

describe.skipIf(skip)("local stack: OOM fault to a remediation verified, in the browser", () => {
  let t: StackUnderTest;
  let browser: Chromium;
  let page: Page;
  const pageErrors: string[] = [];
  const figures = { startMs: 0, rankedAfterOomMs: 0, verifiedAfterApprovalMs: 0 };
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `local-stack-${name}.png`) });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const started = Date.now();
    t = await startStackForTest({ executor: { verifyStableMs: 10_000, verifyWindowMs: 120_000 } });
    figures.startMs = Date.now() - started;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    if (!t) return;
    const pids = t.pids();
    await t.cleanup();
    expect(leftovers(t.stack, pids)).toEqual([]);
  });

  it("starts every component and runs the demo shop as Ready pods with their own addresses", async () => {
    expect(t.stack.capabilities.mode).toBe("full");
    const progress = t.progress.join("");
    for (const c of ["VictoriaMetrics", "kube-sim", "mediator", "kubelet", "agent", "executor", "demo shop"])
      expect(progress).toMatch(new RegExp(`✓ ${c}\\s+ready`));
    const pods = t.stack.status().pods;
    expect(pods.map((p) => p.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, "")).sort()).toEqual([
      "shop/checkout",
      "shop/frontend",
      "shop/inventory",
      "shop/loadgen",
      "shop/payments",
    ]);
    expect(pods.every((p) => p.ready && /^10\.244\.0\.\d+$/.test(p.ip))).toBe(true);
    await page.goto(t.stack.urls.ui);
    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = "#/agents";
    });
    await expect.poll(() => page.locator("#agents-table tbody tr").count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator("#agents-table").textContent()).toContain("connected");
    await shot("01-agents");
  });

  it("ranks the memory root cause on checkout's container first in the UI within 30 s of the first OOM kill, and the fix approved there is verified", async () => {
    const res = await fetch(`${t.stack.urls.control}/faults/oom`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    const killedAt = await firstOomKill(t.stack, "checkout");
    const container = `container/shop/${String((await podOf(t.stack, "checkout"))?.metadata.name)}/app`;

    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = "#/rootcauses";
    });
    const first = page.locator(".rootcause-card").first();
    await waitFor(
      async () => {
        await page.getByRole("button", { name: "Refresh now" }).click();
        return (await first.getAttribute("data-entity-id")) === container || undefined;
      },
      { what: `the UI to rank ${container} first`, timeoutMs: 30_000, intervalMs: 1000 },
    );
    figures.rankedAfterOomMs = Date.now() - killedAt;
    expect(figures.rankedAfterOomMs).toBeLessThan(30_000);
    const text = (await first.textContent()) ?? "";
    expect(text).toContain("#1");
    expect(text).toContain("Container memory limit too low");
    await shot("02-root-cause");

    const { rootCauses } = await api<{ rootCauses: RootCauseView[] }>(t.stack, "/rootcauses");
    const top = rootCauses.find(
      (r) => r.entity.id === container && r.type === "container_memory_limit_too_low",
    );
    const remediation = await waitFor(
      async () =>
        (await api<{ remediations: RemediationView[] }>(t.stack, "/remediations")).remediations.find(
          (r) => r.rootCauseId === top?.id,
        ),
      { what: "the proposed remediation", timeoutMs: 15_000 },
    );
    await page.evaluate((id) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/remediations/${id}`;
    }, remediation.id);
    await expect.poll(() => page.locator("#change-sha256").textContent()).toBe(remediation.changeSha256);
    expect(JSON.parse((await page.locator("#change-json").textContent()) ?? "{}")).toEqual({
      action: "set-resources",
      target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
      container: "app",
      resources: { limits: { memory: "192Mi" } },
    });
    await page.fill("#token-input", await approverToken(t.stack));
    await page.click("#approve-button");
    const approvedAt = Date.now();
    const badge = page.locator("#remediation-title .badge");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).not.toBe("proposed");
    await shot("03-approved");

    await waitFor(
      async () => {
        await page.getByRole("button", { name: "Refresh now" }).click();
        const state = await badge.textContent();
        if (state === "rolled-back" || state === "failed" || state === "refused")
          throw new Error(`the remediation ended ${state}`);
        return state === "verified" || undefined;
      },
      { what: "the UI to show the remediation verified", timeoutMs: 150_000, intervalMs: 2000 },
    );
    await shot("04-verified");
    figures.verifiedAfterApprovalMs = Date.now() - approvedAt;
    console.log(
      `local stack: up in ${(figures.startMs / 1000).toFixed(1)} s; memory root cause ranked first in the UI ${(figures.rankedAfterOomMs / 1000).toFixed(1)} s after the first OOM kill; verified ${(figures.verifiedAfterApprovalMs / 1000).toFixed(1)} s after approval (10 s of it the stability wait)`,
    );
    const done = await api<RemediationView>(t.stack, `/remediations/${remediation.id}`);
    expect(done.steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(["credential-issue", "scope-check", "dry-run", "execution", "verification"]),
    );
    const fixed = await podOf(t.stack, "checkout");
    expect(fixed?.spec.containers[0].resources.limits.memory).toBe("192Mi");
    expect(fixed?.status.containerStatuses[0].restartCount).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
