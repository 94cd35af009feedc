import { type ApiClient } from "../api/api-client.js";
import { type RemediationView, type RootCauseView, type SymptomView } from "../api/normalize.js";
import { type Route } from "../router.js";
import { type TokenStore } from "./token-store.js";

/** What every view reads on each refresh: fetched once per tick by the shell, shared. */
export interface SharedData {
  symptoms: readonly SymptomView[];
  symptomsTotal: number;
  rootCauses: readonly RootCauseView[];
  engine: string;
  remediations: readonly RemediationView[];
  /** When these were fetched (Date.now()). */
  fetchedAtUnixMs: number;
}

export interface AppContext {
  readonly api: ApiClient;
  readonly tokens: TokenStore;
  readonly data: SharedData;
  /** Focuses the token field (when an action needs a token that is not set). */
  readonly askForToken: () => void;
  /** Refreshes everything now (after an approval, say). */
  readonly refreshNow: () => Promise<void>;
  readonly now: () => number;
}

/** One screen of the UI. */
export interface View {
  readonly element: HTMLElement;
  /** Shown (again) for a route; cheap, no fetching required. */
  show(route: Route): void;
  /** Fetches and redraws; called on every auto-refresh tick while the view is shown. */
  refresh(): Promise<void>;
}
