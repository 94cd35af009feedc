/** What a release of the demo app does wrong, if anything. */
export interface ReleaseBehaviour {
  /** Share of requests answered 500. */
  readonly errorRatio: number;
  readonly errorMessage: string;
}

/**
 * Releases of the demo image by tag. 1.1.0 is the bad one the rollout fault deploys: it answers
 * most requests with 500 (a broken schema migration), so a rollback to 1.0.0 fixes it.
 */
export const RELEASES: Readonly<Record<string, ReleaseBehaviour>> = {
  "1.0.0": { errorRatio: 0, errorMessage: "" },
  "1.1.0": {
    errorRatio: 0.6,
    errorMessage: "column orders.currency does not exist (migration 0042 not applied)",
  },
};

/** The bad release the rollout fault deploys. */
export const BAD_RELEASE_TAG = "1.1.0";

/** Behaviour of a release tag; unknown tags behave like a good release. */
export function releaseBehaviour(tag: string): ReleaseBehaviour {
  return RELEASES[tag] ?? { errorRatio: 0, errorMessage: "" };
}
