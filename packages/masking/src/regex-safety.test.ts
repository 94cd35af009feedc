import { describe, expect, it } from "vitest";
import { checkRegexSafety } from "./regex-safety.js";

describe("checkRegexSafety", () => {
  it.each([
    ["EMP-\\d{6}"],
    ["\\b[A-Z]{2}\\d{7}\\b"],
    ["(?:foo|bar)+baz"],
    ["acct_[a-f0-9]{24}"],
    ["[A-Z]{3}-\\d{4}-[A-Z]"],
    ["(?<id>\\d{3})-(?<n>\\d+)"],
    ["sk_live_[0-9a-zA-Z]{24,}"],
  ])("accepts %s", (pattern) => expect(checkRegexSafety(pattern)).toEqual([]));

  it.each([
    ["(a+)+$", /nested/],
    ["(\\w+\\s?)*$", /nested/],
    ["(.*a){20}", /nested/],
    ["(a|ab)*c", /alternatives/],
    ["(\\d|\\w)+x", /alternatives/],
    ["(?:A|a)+", /alternatives/, "i"],
    ["(a?)*b", /nothing/],
    ["(a)\\1+", /backreferences/],
    ["x*", /empty string/],
    ["(", /invalid regular expression/],
  ])("rejects %s", (pattern, problem, flags = "") => {
    const problems = checkRegexSafety(pattern, flags);
    expect(problems.join("; ")).toMatch(problem);
  });

  it("case-insensitive alternatives overlap only under the i flag", () => {
    expect(checkRegexSafety("(?:A|a)+")).toEqual([]);
    expect(checkRegexSafety("(?:A|a)+", "i")).not.toEqual([]);
  });
});
