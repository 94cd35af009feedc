import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUILTIN_ENTITIES, findBuiltins } from "../builtin-scanner.js";
import { Masker } from "../masker.js";
import { CORPUS_FILES, corpusToJsonl, generateCorpus, type CorpusLine } from "./generate-corpus.js";

const corpusDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "corpus");
const read = (file: string): CorpusLine[] =>
  readFileSync(join(corpusDir, `${file}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as CorpusLine);

const MIN_RECALL = 0.995;
const MAX_FALSE_POSITIVE_RATE = 0.001;

describe("labelled corpus", () => {
  it("is the committed output of the seeded generator", () => {
    const fresh = generateCorpus();
    for (const file of CORPUS_FILES) {
      expect(readFileSync(join(corpusDir, `${file}.jsonl`), "utf8"), file).toBe(corpusToJsonl(fresh[file]));
    }
  });

  it("meets recall ≥ 99.5% per entity and ≤ 0.1% false positives on telemetry negatives", () => {
    const masker = new Masker();
    const report: string[] = [];
    const misses: string[] = [];
    for (const file of CORPUS_FILES.filter((f) => f !== "negatives")) {
      let found = 0;
      let total = 0;
      for (const line of read(file)) {
        const spans = findBuiltins(line.text);
        for (const e of line.entities) {
          total++;
          let hit = false;
          for (let k = 0; k < spans.length; k += 3) {
            if (
              BUILTIN_ENTITIES[spans[k + 2] as number] === e.label &&
              (spans[k] as number) <= e.start &&
              (spans[k + 1] as number) >= e.end
            ) {
              hit = true;
            }
          }
          // The value itself must be gone from the masked line, too.
          if (hit && !masker.maskString(line.text).includes(e.value)) found++;
          else if (misses.length < 20) misses.push(`${e.label}: ${line.text}`);
        }
      }
      const recall = found / total;
      report.push(`recall ${file}=${(recall * 100).toFixed(2)}% (${found}/${total})`);
      expect(recall, `${file} recall; misses:\n${misses.join("\n")}`).toBeGreaterThanOrEqual(MIN_RECALL);
    }
    const negatives = read("negatives");
    const falsePositives = negatives.filter((l) => masker.maskString(l.text) !== l.text);
    const byCategory = new Map<string, number>();
    for (const l of falsePositives)
      byCategory.set(l.category ?? "?", (byCategory.get(l.category ?? "?") ?? 0) + 1);
    const rate = falsePositives.length / negatives.length;
    report.push(
      `false positives=${(rate * 100).toFixed(3)}% (${falsePositives.length}/${negatives.length}) ${JSON.stringify(Object.fromEntries(byCategory))}`,
    );
    console.log(`masking corpus:\n  ${report.join("\n  ")}`);
    expect(
      rate,
      `false positives:\n${falsePositives
        .slice(0, 20)
        .map((l) => `${l.text}\n  → ${masker.maskString(l.text)}`)
        .join("\n")}`,
    ).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
  });
});
