import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

const MIB = 1024 * 1024;

/**
 * Faults switched on in running services, like feature flags: the local stack writes the file and
 * every demo service polls it, so a container restarted after a crash or an OOM kill picks the
 * fault up again (the bug is in the code, not in one process).
 */
export const faultFlagsSchema = z
  .object({
    /** Retain `bytesPerRequest` per request served, up to `maxBytes` (a cache that never evicts). */
    memoryLeak: z
      .object({
        service: z.string().min(1),
        bytesPerRequest: z
          .number()
          .int()
          .min(1)
          .default(2 * MIB),
        maxBytes: z
          .number()
          .int()
          .min(1)
          .default(120 * MIB),
      })
      .strict()
      .optional(),
    /** Burn this much CPU per request (a slow code path), which a low CPU limit throttles. */
    cpuBurn: z
      .object({
        service: z.string().min(1),
        msPerRequest: z.number().min(0).default(25),
      })
      .strict()
      .optional(),
    /** Exit with `exitCode` this long after start (a bad config read at start-up). */
    crash: z
      .object({
        service: z.string().min(1),
        afterMs: z.number().int().min(0).default(1500),
        exitCode: z.number().int().min(1).max(255).default(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export type FaultFlags = z.output<typeof faultFlagsSchema>;
export type FaultFlagsInput = z.input<typeof faultFlagsSchema>;

/** Parses flags; an unreadable or invalid file means no faults (a service must not die of it). */
export function parseFaultFlags(text: string | undefined): FaultFlags {
  if (text === undefined || text.trim() === "") return {};
  try {
    const parsed = faultFlagsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Writes the flags atomically (rename), so readers never see half a file. */
export async function writeFaultFlags(path: string, flags: FaultFlagsInput): Promise<void> {
  const parsed = faultFlagsSchema.parse(flags);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(parsed, null, 2)}\n`);
  await rename(tmp, path);
}

/** Reads the flags file; a missing file means no faults. */
export async function readFaultFlags(path: string): Promise<FaultFlags> {
  return parseFaultFlags(await readFile(path, "utf8").catch(() => undefined));
}
