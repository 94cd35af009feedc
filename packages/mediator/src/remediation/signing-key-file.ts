import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { generateSigningKey, signingKeyFromPem, type SigningKey } from "@causeway/audit";

/**
 * The mediator's Ed25519 signing key: from a mounted Secret file when configured, else the key
 * kept in the data dir, generated (mode 0600) on first start.
 */
export async function loadSigningKey(options: {
  readonly secretFile: string;
  readonly dataDirFile: string;
}): Promise<{
  key: SigningKey;
  origin: "secret" | "data-dir" | "generated";
}> {
  if (options.secretFile !== "") {
    return { key: signingKeyFromPem(await readFile(options.secretFile, "utf8")), origin: "secret" };
  }
  try {
    return { key: signingKeyFromPem(await readFile(options.dataDirFile, "utf8")), origin: "data-dir" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = generateSigningKey();
  await mkdir(dirname(options.dataDirFile), { recursive: true });
  const pem = key.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  await writeFile(options.dataDirFile, pem, { mode: 0o600, flag: "wx" });
  return { key, origin: "generated" };
}
