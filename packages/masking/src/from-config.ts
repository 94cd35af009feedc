import { readFileSync } from "node:fs";
import { Masker } from "./masker.js";
import { type MaskingConfig } from "./masking-config.js";

/**
 * Builds the masker a validated {@link MaskingConfig} describes, reading the hash key file (a
 * mounted Secret; surrounding whitespace is ignored) when keyed-hash mode is configured.
 */
export function createMaskerFromConfig(
  config: MaskingConfig,
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): Masker {
  const hashKey = config.hashKeyFile
    ? new Uint8Array(Buffer.from(readFile(config.hashKeyFile).toString("utf8").trim(), "utf8"))
    : undefined;
  return new Masker({
    customPatterns: config.customPatterns,
    maxCustomInputChars: config.maxCustomInputChars,
    ...(hashKey ? { hashKey } : {}),
  });
}
