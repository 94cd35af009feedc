// Debian's headless Chromium driven by playwright-core, shared by the browser test and bench:ui.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PrivilegeCheck } from "@causeway/testkit";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.CAUSEWAY_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless run on a machine without a GPU or a network. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function checkChromium(path = CHROMIUM): PrivilegeCheck {
  return existsSync(path)
    ? { ok: true, reason: "" }
    : {
        ok: false,
        reason: `needs Chromium at ${path} (Debian package chromium; scripts/setup.sh installs it)`,
      };
}

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium headless with a fresh user data directory, 1280x800. */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), "causeway-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
