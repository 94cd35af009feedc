// Masking throughput per core: every built-in detector over mixed log lines (realistic telemetry
// with about one line in ten carrying PII), on one thread. Target: ≥ 100 MB/s.
import { CORPUS_FILES, Masker, generateCorpus } from "@causeway/masking";

const TARGET_MB_PER_S = 100;
const RUN_MS = Number(process.env.BENCH_MASKING_MS ?? 4000);

const corpus = generateCorpus(7);
const lines: string[] = [];
const negatives = corpus.negatives.map((l) => l.text);
const positives = CORPUS_FILES.filter((f) => f !== "negatives").flatMap((f) => corpus[f].map((l) => l.text));
for (let i = 0, p = 0; i < negatives.length; i++) {
  lines.push(negatives[i] as string);
  if (i % 9 === 8) lines.push(positives[p++ % positives.length] as string);
}
const bytesPerPass = lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
const piiLines = lines.length - negatives.length;

const masker = new Masker();
let sink = 0;
const pass = (): void => {
  for (const line of lines) sink += masker.maskString(line).length;
};
// Warm up so the figure is for optimised code.
for (let i = 0; i < 5; i++) pass();

let passes = 0;
const t0 = process.hrtime.bigint();
let elapsedMs = 0;
while (elapsedMs < RUN_MS) {
  pass();
  passes++;
  elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
}
const mbPerS = (bytesPerPass * passes) / 1e6 / (elapsedMs / 1000);
const linesPerS = (lines.length * passes) / (elapsedMs / 1000);
console.log(
  `${lines.length} lines (${piiLines} with PII), ${(bytesPerPass / 1e6).toFixed(2)} MB per pass, ${passes} passes in ${elapsedMs.toFixed(0)} ms (checksum ${sink % 997})`,
);
console.log(
  `mb_per_s=${mbPerS.toFixed(1)} lines_per_s=${linesPerS.toFixed(0)} avg_line_bytes=${(bytesPerPass / lines.length).toFixed(0)} pii_line_fraction=${(piiLines / lines.length).toFixed(3)} target_mb_per_s=${TARGET_MB_PER_S} meets_target=${mbPerS >= TARGET_MB_PER_S}`,
);
