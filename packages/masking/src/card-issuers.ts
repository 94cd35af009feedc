/** A payment card scheme: the prefixes (IIN ranges) it issues from and its number lengths. */
interface IssuerRule {
  readonly scheme: string;
  /** Inclusive ranges over the first `prefixDigits` digits. */
  readonly ranges: readonly (readonly [number, number])[];
  readonly prefixDigits: number;
  readonly lengths: readonly number[];
}

// Facts from the public IIN tables of the major schemes. Length and prefix together are what
// keep 13- and 16-digit millisecond and microsecond timestamps (leading 1) from looking like cards.
const ISSUERS: readonly IssuerRule[] = [
  { scheme: "visa", prefixDigits: 1, ranges: [[4, 4]], lengths: [13, 16, 19] },
  {
    scheme: "mastercard",
    prefixDigits: 4,
    ranges: [
      [5100, 5599],
      [2221, 2720],
    ],
    lengths: [16],
  },
  {
    scheme: "amex",
    prefixDigits: 2,
    ranges: [
      [34, 34],
      [37, 37],
    ],
    lengths: [15],
  },
  {
    scheme: "discover",
    prefixDigits: 4,
    ranges: [
      [6011, 6011],
      [6440, 6599],
    ],
    lengths: [16, 19],
  },
  { scheme: "jcb", prefixDigits: 4, ranges: [[3528, 3589]], lengths: [16, 17, 18, 19] },
  {
    scheme: "diners",
    prefixDigits: 3,
    ranges: [
      [300, 305],
      [309, 309],
      [360, 369],
      [380, 399],
    ],
    lengths: [14, 15, 16, 17, 18, 19],
  },
  { scheme: "unionpay", prefixDigits: 2, ranges: [[62, 62]], lengths: [16, 17, 18, 19] },
  {
    scheme: "maestro",
    prefixDigits: 4,
    ranges: [
      [5018, 5018],
      [5020, 5020],
      [5038, 5038],
      [5893, 5893],
      [6304, 6304],
      [6759, 6759],
      [6761, 6763],
    ],
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
  {
    scheme: "elo",
    prefixDigits: 6,
    ranges: [
      [401178, 401179],
      [431274, 431274],
      [438935, 438935],
      [451416, 451416],
      [457393, 457393],
      [504175, 504175],
      [506699, 506778],
      [509000, 509999],
      [627780, 627780],
      [636297, 636297],
      [636368, 636368],
      [650031, 650033],
      [650035, 650051],
      [650405, 650439],
      [650485, 650538],
      [650541, 650598],
      [650700, 650718],
      [650720, 650727],
      [650901, 650978],
      [651652, 651679],
      [655000, 655019],
      [655021, 655058],
    ],
    lengths: [16],
  },
  { scheme: "hipercard", prefixDigits: 6, ranges: [[606282, 606282]], lengths: [16, 19] },
];

function prefixValue(digits: Uint8Array, count: number): number {
  let v = 0;
  for (let i = 0; i < count; i++) v = v * 10 + (digits[i] as number);
  return v;
}

/**
 * The card scheme whose issuer prefix and length match `digits[0..length)`, or undefined. Does
 * not check Luhn.
 */
export function cardScheme(digits: Uint8Array, length: number): string | undefined {
  for (const rule of ISSUERS) {
    if (!rule.lengths.includes(length)) continue;
    const p = prefixValue(digits, rule.prefixDigits);
    for (const [lo, hi] of rule.ranges) if (p >= lo && p <= hi) return rule.scheme;
  }
  return undefined;
}
