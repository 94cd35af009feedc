/** Exit codes of the native helper (native/causeway.c `enum exit_code`), documented in README.md. */
export const HELPER_EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  noBtf: 3,
  noPermission: 4,
  loadFailed: 5,
  outputClosed: 6,
} as const;

export type HelperExitReason = keyof typeof HELPER_EXIT_CODES;

/**
 * Exits after which restarting cannot help: the kernel or the privileges are missing, or the
 * helper was started wrongly. The agent then runs without eBPF and reports why.
 */
export const PERMANENT_EXIT_CODES: ReadonlySet<number> = new Set([
  HELPER_EXIT_CODES.usage,
  HELPER_EXIT_CODES.noBtf,
  HELPER_EXIT_CODES.noPermission,
  HELPER_EXIT_CODES.loadFailed,
]);

export function exitReason(code: number): HelperExitReason | "unknown" {
  for (const [reason, value] of Object.entries(HELPER_EXIT_CODES)) {
    if (value === code) return reason as HelperExitReason;
  }
  return "unknown";
}
