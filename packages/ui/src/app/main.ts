import "./styles.css";
import { ApiClient, ApiError, describeError } from "./api/api-client.js";
import { normalizeRemediations, normalizeRootCauses, normalizeSymptoms } from "./api/normalize.js";
import { formatAgo } from "./format/format.js";
import { parseRoute, VIEWS, type ViewName } from "./router.js";
import { type AppContext, type SharedData, type View } from "./state/app-context.js";
import { Poller } from "./state/poller.js";
import { TokenStore } from "./state/token-store.js";
import { h } from "./ui/dom.js";
import { AgentsView } from "./views/agents-view.js";
import { AuditView } from "./views/audit-view.js";
import { EgressView } from "./views/egress-view.js";
import { RemediationsView } from "./views/remediations-view.js";
import { RootCausesView } from "./views/root-causes-view.js";
import { SymptomsView } from "./views/symptoms-view.js";
import { TopologyView } from "./views/topology-view.js";

const VIEW_TITLES: Readonly<Record<ViewName, string>> = {
  topology: "Topology",
  symptoms: "Symptoms",
  rootcauses: "Root causes",
  remediations: "Remediations",
  audit: "Audit trail",
  egress: "Egress",
  agents: "Agents",
};
const INTERVALS_MS = [2000, 5000, 10_000, 30_000];
const DEFAULT_INTERVAL_MS = 5000;

function start(root: HTMLElement): void {
  // The page is <root>/ui/: the API is <root>/api/v1/, whatever <root> is.
  const api = new ApiClient(new URL("../", document.baseURI));
  let storage: Storage | undefined;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = undefined;
  }
  const tokens = new TokenStore(storage);
  const data: SharedData = {
    symptoms: [],
    symptomsTotal: 0,
    rootCauses: [],
    engine: "",
    remediations: [],
    fetchedAtUnixMs: 0,
  };

  const tokenInput = h("input", {
    id: "token-input",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "paste a bearer token",
    "aria-describedby": "token-help",
    oninput: () => tokens.set(tokenInput.value),
  });
  tokenInput.value = tokens.get();
  const ctx: AppContext = {
    api,
    tokens,
    data,
    askForToken: () => tokenInput.focus(),
    refreshNow: () => poller.refreshNow(),
    now: () => Date.now(),
  };

  const topology = new TopologyView(ctx);
  const views: Record<ViewName, View> = {
    topology,
    symptoms: new SymptomsView(ctx),
    rootcauses: new RootCausesView(ctx),
    remediations: new RemediationsView(ctx),
    audit: new AuditView(ctx),
    egress: new EgressView(ctx),
    agents: new AgentsView(ctx),
  };
  const navCounts = new Map<ViewName, HTMLSpanElement>();
  const navLinks = new Map<ViewName, HTMLAnchorElement>();
  const nav = h(
    "nav",
    { "aria-label": "Views" },
    h(
      "ul",
      {},
      VIEWS.map((v) => {
        const count = h("span", { class: "count" });
        navCounts.set(v, count);
        const link = h("a", { href: `#/${v}`, id: `nav-${v}` }, VIEW_TITLES[v], count);
        navLinks.set(v, link);
        return h("li", {}, link);
      }),
    ),
  );
  const lastUpdated = h("span", { id: "last-updated", class: "muted", role: "status" }, "");
  const errorBanner = h("p", { id: "global-error", class: "global-error", role: "alert", hidden: true });
  const pauseButton = h("button", { type: "button", id: "pause-button", "aria-pressed": "false" }, "Pause");
  const intervalSelect = h(
    "select",
    { id: "refresh-interval" },
    INTERVALS_MS.map((ms) =>
      h("option", { value: ms, selected: ms === DEFAULT_INTERVAL_MS }, `${ms / 1000} s`),
    ),
  );
  const main = h(
    "main",
    { id: "main" },
    Object.values(views).map((v) => v.element),
  );
  root.replaceChildren(
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "#/topology" }, "Causeway"),
      nav,
      h(
        "div",
        { class: "refresh-controls" },
        h("label", { for: "refresh-interval" }, "Refresh every"),
        intervalSelect,
        pauseButton,
        h(
          "button",
          { type: "button", id: "refresh-button", onclick: () => void poller.refreshNow() },
          "Refresh now",
        ),
        lastUpdated,
      ),
      h(
        "form",
        { class: "token-form", onsubmit: (e: Event) => e.preventDefault() },
        h("label", { for: "token-input" }, "Kubernetes token"),
        tokenInput,
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              tokens.clear();
              tokenInput.value = "";
            },
          },
          "Forget",
        ),
        h(
          "span",
          { id: "token-help", class: "visually-hidden" },
          "Used only to approve or reject remediations; kept in this tab until it closes.",
        ),
      ),
    ),
    errorBanner,
    main,
  );

  let current: ViewName = "topology";
  let lastSuccessMs = 0;
  const tick = async () => {
    const [symptoms, rootCauses, remediations] = await Promise.allSettled([
      api.getJson<unknown>("api/v1/symptoms?active=true&limit=10000"),
      api.getJson<unknown>("api/v1/rootcauses"),
      api.getJson<unknown>("api/v1/remediations"),
    ]);
    const problems: string[] = [];
    if (symptoms.status === "fulfilled") {
      const s = normalizeSymptoms(symptoms.value);
      data.symptoms = s.symptoms;
      data.symptomsTotal = s.total;
    } else problems.push(describe("symptoms", symptoms.reason));
    if (rootCauses.status === "fulfilled") {
      const r = normalizeRootCauses(rootCauses.value);
      data.rootCauses = r.rootCauses;
      data.engine = r.engine;
    } else problems.push(describe("root causes", rootCauses.reason));
    if (remediations.status === "fulfilled") data.remediations = normalizeRemediations(remediations.value);
    else if (!(remediations.reason instanceof ApiError && remediations.reason.status === 404))
      problems.push(describe("remediations", remediations.reason));
    data.fetchedAtUnixMs = Date.now();
    try {
      await views[current].refresh();
    } catch (error) {
      problems.push(describe(VIEW_TITLES[current].toLowerCase(), error));
    }
    navCounts.get("symptoms")!.textContent = ` ${data.symptomsTotal}`;
    navCounts.get("rootcauses")!.textContent = ` ${data.rootCauses.length}`;
    const proposed = data.remediations.filter((r) => r.state === "proposed").length;
    navCounts.get("remediations")!.textContent = proposed > 0 ? ` ${proposed}` : "";
    errorBanner.hidden = problems.length === 0;
    errorBanner.textContent = problems.join(" · ");
    if (problems.length === 0) lastSuccessMs = Date.now();
    root.dataset.ticks = String(Number(root.dataset.ticks ?? "0") + 1);
  };
  const poller = new Poller({ intervalMs: DEFAULT_INTERVAL_MS, tick });
  setInterval(() => {
    lastUpdated.textContent = poller.paused
      ? "auto-refresh paused"
      : lastSuccessMs > 0
        ? `updated ${formatAgo(lastSuccessMs, Date.now())}`
        : "";
  }, 1000);
  pauseButton.addEventListener("click", () => {
    if (poller.paused) poller.resume();
    else poller.pause();
    pauseButton.setAttribute("aria-pressed", String(poller.paused));
    pauseButton.textContent = poller.paused ? "Resume" : "Pause";
  });
  intervalSelect.addEventListener("change", () => poller.setIntervalMs(Number(intervalSelect.value)));

  const route = () => {
    const r = parseRoute(location.hash);
    const changed = r.view !== current;
    current = r.view;
    for (const [name, view] of Object.entries(views) as [ViewName, View][])
      view.element.hidden = name !== current;
    for (const [name, link] of navLinks) {
      if (name === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${VIEW_TITLES[current]} · Causeway`;
    views[current].show(r);
    if (changed) void poller.refreshNow();
  };
  window.addEventListener("hashchange", route);
  route();
  (window as unknown as { causewayDebug: unknown }).causewayDebug = { topology: topology.debug, poller };
  poller.start();
}

function describe(what: string, error: unknown): string {
  return `${what}: ${describeError(error)}`;
}

const root = document.getElementById("app");
if (root) start(root);
