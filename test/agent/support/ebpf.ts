import { execFileSync } from "node:child_process";
import { nativeSourceDir } from "@causeway/ebpf-helper";

/** Builds the native helper (a no-op when up to date). */
export function buildHelperForTests(): void {
  execFileSync("make", ["-s", "-C", nativeSourceDir()], { stdio: ["ignore", "ignore", "inherit"] });
}
