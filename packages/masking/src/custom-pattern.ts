import { checkRegexSafety } from "./regex-safety.js";

/** A user-supplied pattern: every match becomes `[label]`. */
export interface CustomPattern {
  /** Shown in configuration errors. */
  readonly name: string;
  readonly pattern: string;
  /** Any of i, m, s, u; "g" is always added. */
  readonly flags?: string;
  /** Upper-case replacement label, e.g. "EMPLOYEE_ID". */
  readonly label: string;
}

export const LABEL_PATTERN = /^[A-Z][A-Z0-9_]{0,31}$/;
const ALLOWED_FLAGS = /^[imsu]*$/;

/** Raised when masking configuration is invalid; `problems` lists every bad pattern at once. */
export class MaskingConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid masking configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "MaskingConfigError";
    this.problems = problems;
  }
}

/** Every problem with `pattern`, each prefixed with its name; empty when it is usable. */
export function customPatternProblems(pattern: CustomPattern): string[] {
  const problems: string[] = [];
  const where = `custom pattern "${pattern.name}"`;
  if (!LABEL_PATTERN.test(pattern.label)) {
    problems.push(`${where}: label "${pattern.label}" must match ${LABEL_PATTERN.source}`);
  }
  const flags = pattern.flags ?? "";
  if (!ALLOWED_FLAGS.test(flags)) problems.push(`${where}: flags "${flags}" may only contain i, m, s, u`);
  else for (const p of checkRegexSafety(pattern.pattern, flags)) problems.push(`${where}: ${p}`);
  return problems;
}

/** A validated custom pattern, compiled once. */
export interface CompiledPattern {
  readonly label: string;
  readonly regex: RegExp;
}

/** Validates and compiles every pattern, throwing one error that lists all problems. */
export function compileCustomPatterns(patterns: readonly CustomPattern[]): CompiledPattern[] {
  const problems = patterns.flatMap(customPatternProblems);
  if (problems.length > 0) throw new MaskingConfigError(problems);
  return patterns.map((p) => ({ label: p.label, regex: new RegExp(p.pattern, `${p.flags ?? ""}g`) }));
}

/**
 * Appends (start, end, labelId) for every match of `compiled` in `s`, running the regex on
 * windows of at most `maxInputChars` so that its cost per string stays bounded whatever the input.
 * Windows end at whitespace where possible so that a match is rarely cut in two.
 */
export function findCustom(
  s: string,
  compiled: CompiledPattern,
  labelId: number,
  maxInputChars: number,
  out: number[],
): void {
  const regex = compiled.regex;
  for (let ws = 0; ws < s.length;) {
    let we = Math.min(s.length, ws + maxInputChars);
    if (we < s.length) {
      const cut = s.lastIndexOf(" ", we);
      if (cut > ws + maxInputChars / 2) we = cut;
    }
    const window = ws === 0 && we === s.length ? s : s.slice(ws, we);
    regex.lastIndex = 0;
    for (let m = regex.exec(window); m !== null; m = regex.exec(window)) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      out.push(ws + m.index, ws + m.index + m[0].length, labelId);
    }
    ws = we;
  }
}
