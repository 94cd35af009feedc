#!/usr/bin/env node
// Verifies an exported audit trail: causeway-audit-verify FILE [--public-key PEM_FILE ...]
import { readFileSync } from "node:fs";
import { parseAuditNdjson, verifyAuditTrail } from "../verify.js";
import { publicKeyFromPem } from "../signing-key.js";

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--public-key");
const keyFiles = args.flatMap((a, i) => (a === "--public-key" && args[i + 1] ? [args[i + 1] as string] : []));
if (!file) {
  console.error("usage: causeway-audit-verify FILE [--public-key PEM_FILE ...]");
  process.exit(2);
}
const result = verifyAuditTrail(parseAuditNdjson(readFileSync(file, "utf8")), {
  publicKeys: keyFiles.map((f) => publicKeyFromPem(readFileSync(f, "utf8"))),
});
if (result.ok) {
  console.log(`ok: ${result.count} records, ${result.checkpoints} checkpoints, head ${result.headHash}`);
} else {
  console.error(`FAILED at record ${result.index + 1} (seq ${result.seq ?? "?"}): ${result.reason}`);
  process.exit(1);
}
