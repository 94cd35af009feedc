import { z } from "zod";

/**
 * Tuning of the causal engine, with every default. A service embedding the engine can nest this
 * schema in its own config schema (e.g. under `engine`).
 */
export const engineOptionsSchema = z
  .object({
    /** Probability that a symptom a root cause produces goes unobserved (dropped, not yet detected). */
    missRate: z.number().min(0).max(0.9).default(0.1),
    /**
     * An effect reaching many entities (a node's pods, a service's callers) counts, when it shows
     * nowhere, as at most this many absences of its likeliest symptom: those symptoms share the
     * fault's severity, so their absences are not independent evidence.
     */
    effectSilenceWeight: z.number().min(1).max(1000).default(3),
    /**
     * Codebook rows keep only symptoms at least this likely given the root cause: effects that
     * fade along callers are cut below it, which keeps rows and incidents small.
     */
    minSymptomProbability: z.number().min(0).max(0.5).default(0.05),
    /**
     * Log-odds bonus of a cause that was primary in the previous evaluation: a rival must beat it
     * by this much to replace it, so ranks do not flap as symptoms trickle in.
     */
    hysteresis: z.number().min(0).max(10).default(1),
    /**
     * A change inside an incident larger than this re-decodes only the candidates within two
     * steps of it, holding the rest fixed; a smaller incident is always decoded whole (exactly).
     */
    maxRegionCandidates: z.number().int().min(10).max(100_000).default(300),
    /** Most root causes in a report. */
    maxResults: z.number().int().min(1).max(10_000).default(50),
    /** Alternatives below this confidence are left out of a report (primaries never are). */
    minConfidence: z.number().min(0).max(1).default(0.01),
    /** Most symptoms listed per list in a root cause (explained, unexplained, expected-but-absent). */
    maxListedSymptoms: z.number().int().min(1).max(10_000).default(50),
    /** How long a root cause that disappeared keeps its `firstSeenUnixMs` and hysteresis. */
    forgetAfterMs: z.number().int().min(0).default(600_000),
  })
  .strict();

export type EngineOptions = z.output<typeof engineOptionsSchema>;
export type EngineOptionsInput = z.input<typeof engineOptionsSchema>;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = engineOptionsSchema.parse({});
