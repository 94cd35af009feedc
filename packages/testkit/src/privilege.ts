import { accessSync, constants } from "node:fs";

export interface PrivilegeCheck {
  /** True when the requirement is met and the test can run. */
  readonly ok: boolean;
  /** Why the test cannot run, printed when it is skipped. */
  readonly reason: string;
}

/** Whether this process runs as root (uid 0), which real eBPF and cgroup tests need. */
export function checkRoot(): PrivilegeCheck {
  const uid = typeof process.getuid === "function" ? process.getuid() : -1;
  return uid === 0 ? { ok: true, reason: "" } : { ok: false, reason: `needs root (uid is ${uid})` };
}

/** Whether the kernel exposes BTF, which CO-RE eBPF programs need. */
export function checkBtf(path = "/sys/kernel/btf/vmlinux"): PrivilegeCheck {
  try {
    accessSync(path, constants.R_OK);
    return { ok: true, reason: "" };
  } catch {
    return { ok: false, reason: `kernel BTF not readable at ${path}` };
  }
}

/**
 * Decides whether a test that needs a privilege runs. Under CI=true a missing requirement is an
 * error (so CI can never pass by skipping); elsewhere the test is skipped with a printed reason.
 * Returns true when the test should be skipped.
 */
export function skipUnless(name: string, ...checks: readonly PrivilegeCheck[]): boolean {
  const missing = checks.filter((c) => !c.ok).map((c) => c.reason);
  if (missing.length === 0) return false;
  const message = `${name}: ${missing.join("; ")}`;
  if (process.env.CI === "true") {
    throw new Error(`${message} (required under CI=true)`);
  }
  process.stderr.write(`SKIP ${message}\n`);
  return true;
}
