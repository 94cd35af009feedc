/** A line of NDJSON that is not a JSON value. */
export interface NdjsonProblem {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly message: string;
  readonly text: string;
}

export interface NdjsonParse {
  /** Every parsed value, in input order, with its line number. */
  readonly values: readonly { readonly line: number; readonly value: unknown }[];
  readonly problems: readonly NdjsonProblem[];
}

const MAX_PROBLEM_TEXT = 200;

/**
 * Parses newline-delimited JSON (LF or CRLF, blank lines ignored). A bad line does not stop the
 * parse: it is reported with its number, so a damaged audit export is still readable up to and past
 * the damage.
 */
export function parseNdjson(text: string): NdjsonParse {
  const values: { line: number; value: unknown }[] = [];
  const problems: NdjsonProblem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).replace(/\r$/, "");
    if (raw.trim() === "") continue;
    try {
      values.push({ line: i + 1, value: JSON.parse(raw) as unknown });
    } catch (error) {
      problems.push({
        line: i + 1,
        message: (error as Error).message,
        text: raw.length > MAX_PROBLEM_TEXT ? `${raw.slice(0, MAX_PROBLEM_TEXT)}…` : raw,
      });
    }
  }
  return { values, problems };
}
