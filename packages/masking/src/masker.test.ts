import { describe, expect, it } from "vitest";
import { MaskingConfigError } from "./custom-pattern.js";
import { Masker } from "./masker.js";
import { maskingConfigSchema } from "./masking-config.js";

describe("Masker", () => {
  it("masks every string in a structure, keys included, without mutating it", () => {
    const input = {
      user: "ana@example.com",
      labels: { "owner/ana@example.com": "yes", phone: "+55 11 99999-9999" },
      list: ["cpf 52998224725", 42, true, null, { deep: ["Bearer abcdef0123456789"] }],
      cardAsNumber: 4111111111111111,
      count: 1234567890123,
    };
    const copy = structuredClone(input);
    const out = new Masker().mask(input);
    expect(input).toEqual(copy);
    expect(out).toEqual({
      user: "[EMAIL]",
      labels: { "owner/[EMAIL]": "yes", phone: "[PHONE]" },
      list: ["cpf [CPF]", 42, true, null, { deep: ["[TOKEN]"] }],
      cardAsNumber: "[CREDIT_CARD]",
      count: 1234567890123,
    });
  });

  it("keyed-hash mode gives the same tag for the same person across formats, another for another key", () => {
    const key = new TextEncoder().encode("0123456789abcdef0123");
    const m = new Masker({ hashKey: key });
    const a = m.maskString("ANA@Example.com");
    const b = m.maskString("ana@example.com");
    const c = m.maskString("bia@example.com");
    expect(a).toMatch(/^\[EMAIL:[0-9a-f]{8}\]$/);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(m.maskString("4111 1111 1111 1111")).toBe(m.maskString("4111-1111-1111-1111"));
    const other = new Masker({ hashKey: new TextEncoder().encode("another key of 16+ bytes") });
    expect(other.maskString("ana@example.com")).not.toBe(a);
    expect(() => new Masker({ hashKey: new Uint8Array(8) })).toThrow(RangeError);
  });

  it("applies custom patterns with their labels, built-ins winning where they overlap", () => {
    const m = new Masker({
      customPatterns: [
        { name: "employee", pattern: "EMP-\\d{6}", label: "EMPLOYEE_ID" },
        { name: "domain-user", pattern: "ana@example\\.com", label: "USER" },
      ],
    });
    expect(m.maskString("EMP-123456 mailed ana@example.com")).toBe("[EMPLOYEE_ID] mailed [EMAIL]");
    expect(m.stats.replacements).toMatchObject({ EMPLOYEE_ID: 1, EMAIL: 1 });
  });

  it("runs custom patterns on bounded windows of long strings", () => {
    const m = new Masker({
      customPatterns: [{ name: "ticket", pattern: "TCK\\d{4}", label: "TICKET" }],
      maxCustomInputChars: 100,
    });
    const long = Array.from({ length: 50 }, (_, i) => `word TCK${String(1000 + i)}`).join(" ");
    const out = m.maskString(long);
    expect(out).not.toMatch(/TCK\d{4}/);
    expect(out.match(/\[TICKET\]/g)).toHaveLength(50);
  });

  it("rejects every bad custom pattern at once", () => {
    let error: unknown;
    try {
      new Masker({
        customPatterns: [
          { name: "nested", pattern: "(a+)+", label: "A" },
          { name: "ok", pattern: "b{3}", label: "B" },
          { name: "bad-label", pattern: "c", label: "lower" },
          { name: "ambiguous", pattern: "(x|xy)*z", label: "C" },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MaskingConfigError);
    const problems = (error as MaskingConfigError).problems.join("\n");
    expect(problems).toMatch(/"nested".*nested quantifiers/);
    expect(problems).toMatch(/"bad-label".*label/);
    expect(problems).toMatch(/"ambiguous".*alternatives/);
    expect(problems).not.toMatch(/"ok"/);
  });

  it("the config schema reports every bad pattern with its path", () => {
    const result = maskingConfigSchema.safeParse({
      customPatterns: [
        { name: "one", pattern: "(\\d+)*", label: "ONE" },
        { name: "two", pattern: "[", label: "TWO" },
      ],
    });
    expect(result.success).toBe(false);
    const issues = result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues.some((i) => i.startsWith("customPatterns.0.pattern"))).toBe(true);
    expect(issues.some((i) => i.startsWith("customPatterns.1.pattern"))).toBe(true);
    expect(maskingConfigSchema.parse({})).toEqual({ customPatterns: [], maxCustomInputChars: 4096 });
  });
});
