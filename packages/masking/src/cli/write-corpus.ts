// Rewrites corpus/*.jsonl from the seeded generator: `pnpm --filter @causeway/masking corpus`.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CORPUS_FILES, corpusToJsonl, generateCorpus } from "../corpus/generate-corpus.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "corpus");
const corpus = generateCorpus();
for (const file of CORPUS_FILES) {
  writeFileSync(join(dir, `${file}.jsonl`), corpusToJsonl(corpus[file]));
  console.log(`${file}.jsonl: ${corpus[file].length} lines`);
}
