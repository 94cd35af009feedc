import { maskingConfigSchema } from "@causeway/masking";
import { booleanSetting, listSetting } from "@causeway/runtime";
import { z } from "zod";

/** Tenant and cluster ids: what the receiver accepts and what binds the queue's encryption. */
export const UPSTREAM_ID_PATTERN = /^[A-Za-z0-9._-]{1,63}$/;

const boolish = booleanSetting;
const stringList = listSetting(z.string().min(1).max(253));

/** Labels that may leave by default: the recommended Kubernetes application labels. */
export const DEFAULT_LABEL_ALLOWLIST = [
  "app",
  "app.kubernetes.io/name",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/version",
  "tier",
];

/**
 * The `upstream` section of the mediator's configuration. Off by default; when enabled, url,
 * tenantId and clusterId are required, and the token and key-encryption key come from mounted
 * Secret files.
 */
export const upstreamConfigSchema = z
  .object({
    enabled: boolish.default(false),
    /** wss:// URL of the upstream receiver. */
    url: z
      .string()
      .url()
      .refine((u) => u.startsWith("wss://"), "must be a wss:// URL")
      .optional(),
    tenantId: z
      .string()
      .regex(UPSTREAM_ID_PATTERN, "letters, digits, '.', '_' or '-', at most 63")
      .optional(),
    clusterId: z
      .string()
      .regex(UPSTREAM_ID_PATTERN, "letters, digits, '.', '_' or '-', at most 63")
      .optional(),
    /** Mounted Secret holding the API token. */
    tokenFile: z.string().min(1).default("/var/run/secrets/causeway/upstream/token"),
    /** Mounted Secret holding the 32-byte key-encryption key (raw, hex or base64). */
    kekFile: z.string().min(1).default("/var/run/secrets/causeway/upstream/kek"),
    /** Extra CA bundle (PEM) to trust, for a self-hosted receiver with its own CA. */
    caFile: z.string().min(1).optional(),
    queue: z
      .object({
        dir: z.string().min(1).default("/var/lib/causeway/upstream"),
        maxBytes: z.coerce
          .number()
          .int()
          .min(1024 * 1024)
          .default(256 * 1024 * 1024),
        segmentMaxBytes: z.coerce
          .number()
          .int()
          .min(4096)
          .default(1024 * 1024),
      })
      .strict()
      .default({}),
    ledger: z
      .object({
        maxEntries: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
      })
      .strict()
      .default({}),
    /** Kubernetes label keys that may leave, exact or with a trailing `*`. */
    labelAllowlist: stringList.default(DEFAULT_LABEL_ALLOWLIST),
    /** Other entity attributes that may leave (none by default: never IPs unless listed). */
    attributeAllowlist: stringList.default([]),
    evidence: z
      .object({
        windowMs: z.coerce
          .number()
          .int()
          .min(60_000)
          .default(30 * 60_000),
        maxBytes: z.coerce
          .number()
          .int()
          .min(4096)
          .default(256 * 1024),
        stepMs: z.coerce.number().int().min(1000).default(30_000),
      })
      .strict()
      .default({}),
    reconnect: z
      .object({
        initialDelayMs: z.coerce.number().int().min(10).default(500),
        maxDelayMs: z.coerce.number().int().min(100).default(60_000),
      })
      .strict()
      .default({}),
    masking: maskingConfigSchema.default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.enabled) return;
    for (const key of ["url", "tenantId", "clusterId"] as const) {
      if (config[key] === undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: "required when upstream is enabled",
        });
      }
    }
  });

export type UpstreamConfig = z.output<typeof upstreamConfigSchema>;
