import { z } from "zod";
import { customPatternProblems, LABEL_PATTERN } from "./custom-pattern.js";
import { DEFAULT_MAX_CUSTOM_INPUT_CHARS } from "./masker.js";

/** One custom pattern in configuration. */
export const customPatternConfigSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** A JavaScript regular expression, checked for catastrophic backtracking at start. */
    pattern: z.string().min(1).max(1000),
    /** Any of i, m, s, u. */
    flags: z.string().default(""),
    /** The replacement is `[label]`, e.g. EMPLOYEE_ID → [EMPLOYEE_ID]. */
    label: z.string().regex(LABEL_PATTERN, "an upper-case label such as EMPLOYEE_ID"),
  })
  .strict();

/**
 * The masking section of a service's configuration (embedded by the mediator under
 * `upstream.masking`). Every custom pattern is validated, and every problem reported at once.
 */
export const maskingConfigSchema = z
  .object({
    /** Extra patterns masked after the built-in detectors. Default none. */
    customPatterns: z.array(customPatternConfigSchema).max(64).default([]),
    /** A mounted Secret holding the HMAC key (at least 16 bytes); turns on keyed-hash mode. */
    hashKeyFile: z.string().min(1).optional(),
    /** Longest stretch of text each custom regex runs on at once. Default 4096. */
    maxCustomInputChars: z.coerce
      .number()
      .int()
      .min(64)
      .max(1_048_576)
      .default(DEFAULT_MAX_CUSTOM_INPUT_CHARS),
  })
  .strict()
  .superRefine((config, ctx) => {
    config.customPatterns.forEach((pattern, index) => {
      for (const message of customPatternProblems(pattern)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["customPatterns", index, "pattern"], message });
      }
    });
  });

export type MaskingConfig = z.output<typeof maskingConfigSchema>;
