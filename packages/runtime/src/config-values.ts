import { z } from "zod";

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/**
 * A boolean setting: `true`/`false` in config objects; from env and flags (always strings) one of
 * true/false, 1/0, yes/no, on/off. Any other word is a config error, never a silent false.
 */
export const booleanSetting = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return value;
}, z.boolean());

/**
 * A list setting: an array in config objects, comma-separated in env and flags (blank items
 * dropped). Each item is checked with `item` (any string by default).
 */
export function listSetting<T extends z.ZodTypeAny = z.ZodString>(
  item?: T,
): z.ZodEffects<z.ZodArray<T>, z.output<T>[], unknown> {
  return z.preprocess(
    (value) =>
      typeof value === "string"
        ? value
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "")
        : value,
    z.array(item ?? (z.string() as unknown as T)),
  );
}
