// The web UI in Debian's headless Chromium against a real mediator holding 10,000 entities: the
// graph renders and filters, an entity's detail shows its symptoms, root cause and sparklines,
// root causes are ranked, remediations are approved and rejected with the user's own token (and
// refused with 401, 403 and 409 shown as the API says), the audit trail verifies in the browser.
// Screenshots go to test/ui/artifacts/.
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { skipUnless } from "@causeway/testkit";
import { type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkChromium, launchChromium, type Chromium } from "./browser.js";
import { syntheticTopology } from "./synthetic-topology.js";
import { OOM_CONTAINER, startUiStack, type UiStack } from "./ui-stack.js";

/**
 * The page's globals as the functions given to page.evaluate use them: those functions run in
 * Chromium, while this file is typechecked for Node (without the DOM library).
 */
interface PageElement {
  readonly tagName: string;
  readonly type?: string;
  readonly labels?: ArrayLike<unknown> | null;
  readonly textContent: string | null;
  readonly outerHTML: string;
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  location: { hash: string };
  readonly causewayDebug?: {
    readonly topology: {
      readonly entities: number;
      positionOf(id: string): [number, number] | undefined;
      readonly graph: {
        readonly stats: { readonly entitiesDrawn: number; readonly firstFullRenderAtMs: number };
      };
    };
  };
  readonly document: {
    readonly documentElement: { readonly scrollWidth: number };
    readonly activeElement: { readonly id: string } | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  readonly sessionStorage: Record<string, string>;
  readonly localStorage: { readonly length: number };
}
interface PageCanvas {
  readonly width: number;
  readonly height: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "artifacts");
const ENTITIES = 10_000;
const skip = skipUnless("web UI browser test", checkChromium());

let stack: UiStack;
let browser: Chromium;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

async function go(hash: string): Promise<void> {
  await page.evaluate((h) => {
    (globalThis as unknown as PageGlobals).location.hash = h;
  }, hash);
}

/** Reads the topology view's figures from the page. */
function graphStats(): Promise<{ entities: number; drawn: number; firstFullRenderAtMs: number }> {
  return page.evaluate(() => {
    const t = (globalThis as unknown as PageGlobals).causewayDebug?.topology;
    if (!t) throw new Error("the UI has not started");
    return {
      entities: t.entities,
      drawn: t.graph.stats.entitiesDrawn,
      firstFullRenderAtMs: t.graph.stats.firstFullRenderAtMs,
    };
  });
}

describe.skipIf(skip)("web UI in headless Chromium", () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startUiStack({ entities: ENTITIES });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${stack.baseUrl}/ui/`);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("draws the 10,000-entity topology on the canvas", async () => {
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as PageGlobals).causewayDebug?.topology.graph.stats.firstFullRenderAtMs ??
          0) > 0,
    );
    const stats = await graphStats();
    expect(stats.entities).toBe(ENTITIES);
    expect(stats.drawn).toBe(ENTITIES);
    await expect
      .poll(() => page.locator(".graph-status").textContent())
      .toContain("Showing 10,000 of 10,000 entities");
    // The canvas really holds a picture: count pixels that are not the background.
    const painted = await page.locator("canvas.graph-canvas").evaluate((c: PageCanvas) => {
      const ctx = c.getContext("2d");
      if (!ctx) return 0;
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i] !== 0xf8 || data[i + 1] !== 0xfa || data[i + 2] !== 0xfc) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(20_000);
    // Highlights reach the graph: the nav counts the symptoms and root causes behind the rings.
    await expect.poll(() => page.locator("#nav-symptoms .count").textContent()).toBe(" 15");
    await expect
      .poll(async () => Number(await page.locator("#nav-rootcauses .count").textContent()))
      .toBeGreaterThan(0);
    // Fits a 1280x800 screen without a horizontal scroll bar.
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(1280);
    await shot("01-topology");
  });

  it("filters by namespace and kind and finds an entity by name", async () => {
    const all = syntheticTopology(ENTITIES).entities;
    const shop = all.filter((e) => e.namespace === "shop");
    const shown = () => page.locator(".view-topology").getAttribute("data-entities-shown");
    await page.selectOption("#ns-filter", "shop");
    await expect.poll(shown).toBe(String(shop.length));
    await page.getByLabel("container (3,316)").uncheck();
    await expect.poll(shown).toBe(String(shop.filter((e) => e.kind !== "container").length));
    await shot("02-filtered");
    await page.getByLabel("container (3,316)").check();
    await page.selectOption("#ns-filter", "*");
    await expect.poll(shown).toBe(String(ENTITIES));

    await page.fill("#graph-search", "checkout-7d9f8-00000");
    const result = page.locator(".search-results button").first();
    await expect.poll(() => result.textContent()).toBe("pod shop/checkout-7d9f8-00000");
    await result.click();
    await expect
      .poll(() => page.locator("#entity-detail-title").textContent())
      .toBe("pod shop/checkout-7d9f8-00000");
    await page.fill("#graph-search", "");
  });

  it("opens an entity clicked on the canvas, with its symptoms, root cause, relations and sparklines", async () => {
    // Centre the OOM-killed container, close the panel, then click where it is drawn.
    await go(`#/topology?entity=${encodeURIComponent(OOM_CONTAINER)}`);
    await expect.poll(() => page.locator("#entity-detail-title").textContent()).toBe("container shop/app");
    await page.getByRole("button", { name: "Close entity detail" }).click();
    await expect.poll(() => page.locator(".detail-panel").isHidden()).toBe(true);
    const canvas = page.locator("canvas.graph-canvas");
    // Closing the panel widens the canvas, and its resize observer re-centres the view a frame
    // later: read where the container is drawn only once two reads in a row agree.
    const where = async () => ({
      box: await canvas.boundingBox(),
      at: await page.evaluate(
        (id) => (globalThis as unknown as PageGlobals).causewayDebug?.topology.positionOf(id),
        OOM_CONTAINER,
      ),
    });
    let previous = "";
    await expect
      .poll(
        async () => {
          const now = JSON.stringify(await where());
          const settled = now === previous;
          previous = now;
          return settled;
        },
        { interval: 200 },
      )
      .toBe(true);
    const { box, at } = await where();
    expect(box && at).toBeTruthy();
    await page.mouse.click((box?.x ?? 0) + (at?.[0] ?? 0), (box?.y ?? 0) + (at?.[1] ?? 0));
    await expect
      .poll(() =>
        page.evaluate(() => decodeURIComponent((globalThis as unknown as PageGlobals).location.hash)),
      )
      .toBe(`#/topology?entity=${OOM_CONTAINER}`);
    const panel = page.locator(".detail-panel");
    await expect.poll(() => panel.textContent()).toContain("Root cause here");
    const text = (await panel.textContent()) ?? "";
    expect(text).toContain("Symptoms (3 active)");
    expect(text).toContain("container_restarting");
    expect(text).toContain("oom_killed");
    expect(text).toContain("OOM-killed 3 times in 5 min at 256 MiB");
    expect(text).toContain("memory_near_limit");
    expect(text).toContain("pod/shop/checkout-7d9f8-00000");
    // One sparkline per series the mediator computes from the agent's series in VictoriaMetrics:
    // CPU used, working set, limit, throttled ratio (no run-queue or restart series were written).
    await expect.poll(() => panel.locator(".sparklines polyline").count()).toBe(4);
    const points = await panel.locator(".sparklines polyline").first().getAttribute("points");
    expect((points ?? "").split(" ").length).toBeGreaterThan(30);
    const sparklines = (await panel.locator(".sparklines").textContent()) ?? "";
    expect(sparklines).toMatch(/memory_working_set_bytes.*MiB/);
    expect(sparklines).toMatch(/memory_limit_bytes\s*last 256 MiB/);
    expect(sparklines).toMatch(/cpu_throttled_ratio\s*last 10/);
    await shot("03-entity-detail");
  });

  it("ranks root causes with confidence, explanation, explained symptoms and the proposed remediation", async () => {
    // What the mediator's causal engine ranks, as the API serves it.
    const api = (await (await fetch(`${stack.baseUrl}/api/v1/rootcauses`)).json()) as {
      engine: string;
      rootCauses: {
        id: string;
        title: string;
        confidence: number;
        explanation: string;
        explained: unknown[];
      }[];
    };
    const top = api.rootCauses[0];
    if (!top) throw new Error("the engine ranked nothing");
    expect(api.engine).toBe("causal-engine");
    await go("#/rootcauses");
    const first = page.locator(".rootcause-card").first();
    await expect.poll(() => first.getAttribute("data-entity-id")).toBe(OOM_CONTAINER);
    expect(await first.getAttribute("data-rootcause-id")).toBe(top.id);
    const text = (await first.textContent()) ?? "";
    expect(text).toContain("#1");
    expect(text).toContain(top.title);
    expect(text).toContain("Container memory limit too low");
    expect(text).toContain(`${Math.round(top.confidence * 100)}% confidence`);
    expect(text).toContain(top.explanation);
    expect(text).toContain(`Explains (${top.explained.length})`);
    expect(text).toContain("Expected but absent");
    const setResources = stack.mediator.lifecycle?.list().find((r) => r.change.action === "set-resources");
    expect(
      await first.getByRole("link", { name: new RegExp(setResources?.id ?? "none") }).getAttribute("href"),
    ).toBe(`#/remediations/${setResources?.id}`);
    const cards = await page.locator(".rootcause-card").count();
    expect(cards).toBe(api.rootCauses.length);
    if (cards > 1) expect(await page.locator(".rootcause-card").nth(1).textContent()).toContain("#2");
    await shot("04-root-causes");
  });

  it("approves with the user's token, showing the API's 401 and 403 first; rejects with a reason; shows 409", async () => {
    const lifecycle = stack.mediator.lifecycle;
    if (!lifecycle) throw new Error("no remediation lifecycle");
    const setResources = lifecycle.list().find((r) => r.change.action === "set-resources");
    if (!setResources) throw new Error("the engine's proposal is missing");
    // A second proposal, to reject.
    const cordon = await lifecycle.propose({
      change: { action: "cordon", target: { apiVersion: "v1", kind: "Node", name: "node-00" } },
      reason: "Node memory pressure on node/node-00",
    });
    const message = page.locator(".action-message");

    await go(`#/remediations/${setResources.id}`);
    await expect.poll(() => page.locator("#change-sha256").textContent()).toBe(setResources.changeSha256);
    expect(JSON.parse((await page.locator("#change-json").textContent()) ?? "{}")).toEqual(
      setResources.change,
    );

    await page.click("#approve-button");
    await expect.poll(() => message.textContent()).toContain("Enter your Kubernetes bearer token first");
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).toBe(
      "token-input",
    );

    await page.fill("#token-input", "not-a-real-token");
    await page.click("#approve-button");
    await expect.poll(() => message.textContent()).toMatch(/^Could not approve: 401 CW_UNAUTHENTICATED: /);

    await page.fill("#token-input", stack.tokens.viewer);
    await page.click("#approve-button");
    await expect.poll(() => message.textContent()).toMatch(/^Could not approve: 403 CW_FORBIDDEN: .*bob/);
    expect(lifecycle.get(setResources.id).state).toBe("proposed");

    await page.fill("#token-input", stack.tokens.approver);
    await page.click("#approve-button");
    await expect
      .poll(() => message.textContent())
      .toBe("Approved by alice; the executor carries it out next.");
    expect(lifecycle.get(setResources.id)).toMatchObject({
      state: "approved",
      approval: { approver: "alice" },
    });
    await expect.poll(() => page.locator("#remediation-title .badge").textContent()).toBe("approved");
    expect(await page.locator("#approve-button").count()).toBe(0);
    // The token stays in this tab's sessionStorage only.
    expect(
      await page.evaluate(() => Object.values((globalThis as unknown as PageGlobals).sessionStorage)),
    ).toEqual([stack.tokens.approver]);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.length)).toBe(0);
    await shot("05-approved");

    await go(`#/remediations/${cordon.id}`);
    await expect.poll(() => page.locator("#change-sha256").textContent()).toBe(cordon.changeSha256);
    await page.click("#reject-button");
    await page.getByLabel("Reason for rejecting").fill("node-00 reports no memory pressure");
    await page.getByRole("button", { name: "Confirm rejection" }).click();
    await expect.poll(() => message.textContent()).toBe("Rejected by alice.");
    expect(lifecycle.get(cordon.id)).toMatchObject({
      state: "rejected",
      rejection: { by: "alice", reason: "node-00 reports no memory pressure" },
    });

    // Someone else approves while this page still shows the proposal: the API answers 409.
    const extra = await lifecycle.propose({
      change: {
        action: "rollout-restart",
        target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart" },
        restartedAt: new Date().toISOString(),
      },
      reason: "restart cart",
    });
    await page.click("#pause-button");
    expect(await page.getAttribute("#pause-button", "aria-pressed")).toBe("true");
    await page.getByRole("button", { name: "Refresh now" }).click();
    await go(`#/remediations/${extra.id}`);
    await expect.poll(() => page.locator("#change-sha256").textContent()).toBe(extra.changeSha256);
    const elsewhere = await fetch(`${stack.baseUrl}/api/v1/remediations/${extra.id}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.tokens.approver}`, "content-type": "application/json" },
      body: JSON.stringify({ changeSha256: extra.changeSha256 }),
    });
    expect(elsewhere.status).toBe(200);
    await page.click("#approve-button");
    await expect
      .poll(() => message.textContent())
      .toBe(`Could not approve: 409 CW_CONFLICT: remediation ${extra.id} is approved`);
    await page.click("#pause-button");
    expect(await page.getAttribute("#pause-button", "aria-pressed")).toBe("false");
    await shot("06-conflict");
  });

  it("shows the audit trail newest first and verifies it in the browser", async () => {
    await go("#/audit");
    await expect
      .poll(() => page.locator(".verification").textContent(), { timeout: 20_000 })
      .toMatch(/^verified/);
    const rows = page.locator("#audit-table tbody tr");
    const first = (await rows.first().textContent()) ?? "";
    expect(first).toMatch(/^\d+/);
    const seqs = await rows.evaluateAll((trs) =>
      trs.map((tr) => Number(tr.querySelector("td")?.textContent)),
    );
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const all = (await page.locator("#audit-table").textContent()) ?? "";
    expect(all).toContain("approval");
    expect(all).toContain("rejection");
    expect(all).toContain("alice");
    await page.fill("#audit-filter", "rejection");
    await expect.poll(() => rows.count()).toBe(1);
    await shot("07-audit");
  });

  it("lists agents and symptoms, and says when upstream forwarding is off", async () => {
    await go("#/agents");
    const agents = page.locator("#agents-table");
    await expect.poll(() => agents.textContent()).toContain("node-00/1");
    const rows = await agents.locator("tbody tr").allTextContents();
    expect(rows.find((r) => r.startsWith("node-00/1"))).toContain("connected");
    expect(rows.find((r) => r.startsWith("node-01/1"))).toContain("disconnected");
    await shot("08-agents");

    await go("#/symptoms");
    await expect.poll(() => page.locator("#symptoms-table tbody tr").count()).toBe(15);
    await page.fill("#symptom-filter", "oom");
    await expect.poll(() => page.locator("#symptoms-table tbody tr").count()).toBe(1);
    await shot("09-symptoms");

    await go("#/egress");
    await expect
      .poll(() => page.locator(".view:not([hidden]) [role=status]").first().textContent())
      .toContain("upstream forwarding is off");
  });

  it("labels every control and raised no page error", async () => {
    const unlabelled = await page.evaluate(() =>
      Array.from(
        (globalThis as unknown as PageGlobals).document.querySelectorAll("input, select, textarea, button"),
      )
        .filter((el) => {
          if (el.type === "hidden") return false;
          const named =
            el.labels?.length ||
            el.getAttribute("aria-label") ||
            (el.tagName === "BUTTON" && el.textContent?.trim());
          return !named;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
