import { describe, expect, it } from "vitest";
import { Masker } from "./masker.js";

const m = new Masker();
const mask = (s: string): string => m.maskString(s);

describe("built-in detectors", () => {
  it.each([
    ["mail ana.silva+promo@Example.COM.br now", "mail [EMAIL] now"],
    ["<joao_1990@uol.com.br>.", "<[EMAIL]>."],
    ["GET /users/a.b@mail.example.org/x", "GET /users/[EMAIL]/x"],
  ])("masks emails: %s", (input, expected) => expect(mask(input)).toBe(expected));

  it.each([
    "nginx@sha256:4bf92f3577b34da6",
    "lodash@4.17.21",
    "@causeway/runtime",
    "user@localhost",
    "HEAD@{1}",
  ])("leaves non-addresses with @ alone: %s", (input) => expect(mask(input)).toBe(input));

  it.each([
    ["4111 1111 1111 1111", "[CREDIT_CARD]"],
    ["pan=4111111111111111;", "pan=[CREDIT_CARD];"],
    ["5555-5555-5555-4444", "[CREDIT_CARD]"],
    ["amex 3782 822463 10005.", "amex [CREDIT_CARD]."],
    ["visa13 4222222222222 ok", "visa13 [CREDIT_CARD] ok"],
    ["mc2 2223003122003222", "[CREDIT_CARD]".padStart(17, "mc2 ")],
    ["card 4111 1111 1111 1111 2024", "card [CREDIT_CARD] 2024"],
  ])("masks card numbers: %s", (input, expected) => expect(mask(input)).toBe(expected));

  it.each([
    ["a 13-digit millisecond timestamp", "ts=1700000000000"],
    ["a 16-digit microsecond timestamp", "t_us=1700000000000123"],
    ["a Luhn-valid number with no issuer", "n=1234567812345670"],
    ["a card-shaped number failing Luhn", "4111111111111112"],
    ["digits inside an identifier", "ORD-2024-4111111111111111 id4111111111111111"],
    ["the tail of a UUID", "550e8400-e29b-41d4-a716-411111111111"],
    ["a build number after +", "1.0.0+4111111111111111"],
  ])("does not mask %s", (_what, input) => expect(mask(input)).toBe(input));

  it.each([
    ["+55 11 99999-9999", "[PHONE]"],
    ["tel:+5511999999999.", "tel:[PHONE]."],
    ["+55 (21) 98765-4321", "[PHONE]"],
    ["(11) 99999-9999 e (21)3333-4444", "[PHONE] e [PHONE]"],
    ["ligue 11 98765-4321", "ligue [PHONE]"],
    ["+1 415-555-2671", "[PHONE]"],
    ["+44 20 7946 0958", "[PHONE]"],
    ["(11) 9 8765-4321 ou 11 9 8765-4321", "[PHONE] ou [PHONE]"],
  ])("masks phone numbers: %s", (input, expected) => expect(mask(input)).toBe(expected));

  it.each([
    "tz=+05:30",
    "backoff=+1500ms",
    "+0000",
    "2024-01-15 10:20",
    "(408) 555-1234",
    "10.0.0.1:8080",
    "v1+1234567",
  ])("leaves phone-like telemetry alone: %s", (input) => expect(mask(input)).toBe(input));

  it.each([
    ["cpf 529.982.247-25 ok", "cpf [CPF] ok"],
    ["52998224725", "[CPF]"],
    ["529982247-25", "[CPF]"],
  ])("masks CPFs: %s", (input, expected) => expect(mask(input)).toBe(expected));

  it.each(["529.982.247-26", "52998224726", "111.111.111-11", "11111111111", "192.168.100.200"])(
    "rejects CPFs with wrong check digits or repeated digits: %s",
    (input) => expect(mask(input)).toBe(input),
  );

  it("masks bearer tokens and JWTs, not prose", () => {
    const jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    expect(mask(`Authorization: Bearer ${jwt}`)).toBe("Authorization: [TOKEN]");
    expect(mask(`token=${jwt}&x=1`)).toBe("token=[TOKEN]&x=1");
    expect(mask("authorization: bearer 0123456789abcdefABCDEF==")).toBe("authorization: [TOKEN]");
    expect(mask("unsecured eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. end")).toBe("unsecured [TOKEN] end");
    expect(mask("bearer authentication failed")).toBe("bearer authentication failed");
    expect(mask('WWW-Authenticate: Bearer realm="api"')).toBe('WWW-Authenticate: Bearer realm="api"');
    expect(mask("the key eyJ is short")).toBe("the key eyJ is short");
  });

  it("returns the same string object when there is nothing to mask", () => {
    const s = "2024-01-15T10:20:30.123Z INFO [checkout] trace_id=4bf92f3577b34da6a3ce929d0e0e4736 took 12ms";
    expect(mask(s)).toBe(s);
  });

  it("masks several entities in one line, in order", () => {
    expect(mask("a@b.io paid 4111111111111111 from +5511999999999 cpf 52998224725")).toBe(
      "[EMAIL] paid [CREDIT_CARD] from [PHONE] cpf [CPF]",
    );
  });
});
