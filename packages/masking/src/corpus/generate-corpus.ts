/**
 * Generates the labelled evaluation corpus in corpus/: synthetic PII embedded in realistic log
 * lines, one file per built-in entity, and realistic telemetry negatives. Seeded, so the output is
 * the same on every run; `pnpm --filter @causeway/masking corpus` rewrites the committed files.
 *
 * The check digits here are computed independently of the detectors (different code, written
 * from the published algorithms), so the corpus tests the detectors rather than echoing them.
 */

export interface CorpusEntity {
  readonly label: string;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export interface CorpusLine {
  readonly text: string;
  readonly entities: readonly CorpusEntity[];
  /** For negatives: what kind of telemetry the line is about. */
  readonly category?: string;
}

export const CORPUS_FILES = ["email", "credit_card", "phone", "cpf", "token", "negatives"] as const;
export type CorpusFile = (typeof CORPUS_FILES)[number];

export const DEFAULT_CORPUS_SEED = 20_240_521;
export const POSITIVES_PER_ENTITY = 2500;
export const NEGATIVES = 12_000;

/** mulberry32: small, fast, and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly #r: () => number;
  constructor(seed: number) {
    this.#r = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.#r() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#r() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.#r() < p;
  }
  digits(count: number): string {
    let s = "";
    for (let i = 0; i < count; i++) s += String(this.int(0, 9));
    return s;
  }
  hex(count: number): string {
    let s = "";
    for (let i = 0; i < count; i++) s += "0123456789abcdef"[this.int(0, 15)];
    return s;
  }
  chars(alphabet: string, count: number): string {
    let s = "";
    for (let i = 0; i < count; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

const FIRST = [
  "ana",
  "joao",
  "maria",
  "pedro",
  "lucas",
  "julia",
  "carlos",
  "fernanda",
  "john",
  "emily",
  "wei",
  "priya",
  "ahmed",
  "sofia",
  "li",
  "o'neil",
];
const LAST = [
  "silva",
  "santos",
  "oliveira",
  "souza",
  "pereira",
  "smith",
  "johnson",
  "garcia",
  "muller",
  "kowalski",
  "tanaka",
  "nguyen",
  "costa",
  "almeida",
];
const DOMAINS = [
  "gmail.com",
  "example.com",
  "example.com.br",
  "uol.com.br",
  "empresa.com.br",
  "mail.example.org",
  "corp.example.co.uk",
  "outlook.com",
  "proton.me",
  "shop.example.io",
  "hospital.gov.br",
  "yahoo.co.jp",
];
const SERVICES = [
  "checkout",
  "payments",
  "cart",
  "frontend",
  "accounts",
  "notifications",
  "shipping",
  "ledger",
  "search",
  "auth",
];
const LEVELS = ["INFO", "WARN", "ERROR", "DEBUG"];
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL = `${B64}-_`;

function isoTime(g: Gen): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `2024-${pad(g.int(1, 12))}-${pad(g.int(1, 28))}T${pad(g.int(0, 23))}:${pad(g.int(0, 59))}:${pad(g.int(0, 59))}.${pad(g.int(0, 999), 3)}Z`;
}
const epochMs = (g: Gen): string => String(g.int(1_600_000_000_000, 1_760_000_000_000));
const traceId = (g: Gen): string => g.hex(32);
const spanId = (g: Gen): string => g.hex(16);
function uuid(g: Gen): string {
  return `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-${g.pick(["8", "9", "a", "b"])}${g.hex(3)}-${g.hex(12)}`;
}
function ipv4(g: Gen): string {
  return `${g.pick([10, 172, 192, 100, 34, 52])}.${g.int(0, 255)}.${g.int(0, 255)}.${g.int(1, 254)}`;
}
function ipv6(g: Gen): string {
  return g.pick([
    `2001:db8::${g.hex(4)}:${g.hex(4)}`,
    `fe80::${g.hex(3)}:${g.hex(4)}:${g.hex(4)}:${g.hex(4)}`,
    `fd00:${g.hex(4)}:${g.hex(4)}::${g.int(1, 99)}`,
  ]);
}
function version(g: Gen): string {
  return g.pick([
    `v${g.int(0, 3)}.${g.int(0, 40)}.${g.int(0, 20)}`,
    `${g.int(0, 9)}.${g.int(0, 99)}.${g.int(0, 99)}`,
    `${g.int(1, 5)}.${g.int(0, 9)}.${g.int(0, 9)}-rc.${g.int(1, 9)}`,
    `${g.int(1, 5)}.${g.int(0, 9)}.${g.int(0, 9)}+build.${g.int(1, 9999)}`,
    `1.0.0+${g.int(2019, 2024)}${g.digits(10)}`,
    `${g.int(20, 24)}.${g.int(1, 12)}.${g.int(0, 9)}`,
  ]);
}
function orderNumber(g: Gen): string {
  return g.pick([
    `ORD-${g.int(2019, 2025)}-${g.digits(6)}`,
    `#${g.int(10_000_000, 99_999_999)}`,
    `PO-${g.digits(5)}-${g.int(2019, 2025)}`,
    `${g.int(1_000_000_000, 9_999_999_999)}`,
    `INV/${g.int(2019, 2025)}/${g.digits(7)}`,
    `A${g.digits(9)}`,
  ]);
}
function podName(g: Gen): string {
  return `${g.pick(SERVICES)}-${g.chars("bcdfghjklmnpqrstvwxz2456789", 9)}-${g.chars("bcdfghjklmnpqrstvwxz2456789", 5)}`;
}
function prefix(g: Gen): string {
  return g.pick([
    `${isoTime(g)} ${g.pick(LEVELS)} [${g.pick(SERVICES)}] `,
    `ts=${epochMs(g)} level=${g.pick(LEVELS).toLowerCase()} svc=${g.pick(SERVICES)} `,
    `${isoTime(g)} pod=${podName(g)} trace_id=${traceId(g)} `,
    `[${g.pick(LEVELS)}] ${isoTime(g)} span=${spanId(g)} `,
    "",
  ]);
}
function suffix(g: Gen): string {
  return g.pick([
    "",
    ` duration_ms=${g.int(1, 5000)}`,
    ` trace_id=${traceId(g)} span_id=${spanId(g)}`,
    ` request_id=${uuid(g)}`,
    ` peer=${ipv4(g)}:${g.int(1024, 65535)}`,
    ` ts=${epochMs(g)}`,
  ]);
}

// --- the entities, built from the published rules -----------------------------------------

function luhnComplete(body: string): string {
  // The check digit that makes the whole number's Luhn sum a multiple of 10.
  const withZero = `${body}0`;
  let total = 0;
  for (let pos = 0; pos < withZero.length; pos++) {
    const d = Number(withZero[withZero.length - 1 - pos]);
    total += pos % 2 === 1 ? ([0, 2, 4, 6, 8, 1, 3, 5, 7, 9][d] ?? 0) : d;
  }
  return body + String((10 - (total % 10)) % 10);
}

const CARD_SCHEMES: readonly { prefixes: () => string; lengths: number[]; amex?: boolean }[] = [
  { prefixes: () => "4", lengths: [16, 16, 16, 13, 19] },
  { prefixes: () => "5", lengths: [16] },
  { prefixes: () => "2", lengths: [16] },
  { prefixes: () => "3", lengths: [15], amex: true },
  { prefixes: () => "6011", lengths: [16] },
  { prefixes: () => "65", lengths: [16] },
  { prefixes: () => "35", lengths: [16] },
  { prefixes: () => "36", lengths: [14] },
  { prefixes: () => "62", lengths: [16, 19] },
];

function card(g: Gen): string {
  const scheme = g.pick(CARD_SCHEMES);
  let p = scheme.prefixes();
  if (p === "5") p = String(g.int(51, 55));
  else if (p === "2") p = String(g.int(2221, 2720));
  else if (p === "3") p = g.pick(["34", "37"]);
  else if (p === "35") p = String(g.int(3528, 3589));
  const len = g.pick(scheme.lengths);
  const number = luhnComplete(p + g.digits(len - p.length - 1));
  const style = g.int(0, 3);
  if (style === 0 || len === 13 || len === 19) return number;
  const sep = style === 1 ? " " : style === 2 ? "-" : " ";
  if (scheme.amex || len === 15) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(sep);
  if (len === 14) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(sep);
  return number.match(/.{1,4}/g)?.join(sep) ?? number;
}

function cpfDigits(g: Gen): string {
  let base = g.digits(9);
  while (/^(\d)\1+$/.test(base)) base = g.digits(9);
  const dv = (s: string): number => {
    let sum = 0;
    for (let k = 0; k < s.length; k++) sum += Number(s[k]) * (s.length + 1 - k);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  const d1 = dv(base);
  const d2 = dv(base + String(d1));
  return `${base}${d1}${d2}`;
}

function cpf(g: Gen): string {
  const d = cpfDigits(g);
  return g.pick([
    `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`,
    `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`,
    d,
    `${d.slice(0, 9)}-${d.slice(9)}`,
  ]);
}

const DDD = [11, 12, 13, 19, 21, 22, 27, 31, 41, 47, 48, 51, 61, 62, 71, 81, 85, 91, 92, 98];

function phone(g: Gen): string {
  const ddd = g.pick(DDD);
  const mobile = `9${g.int(6, 9)}${g.digits(3)}`;
  const tail = g.digits(4);
  const land = `${g.int(2, 5)}${g.digits(3)}`;
  switch (g.int(0, 12)) {
    case 0:
      return `+55 ${ddd} ${mobile}-${tail}`;
    case 1:
      return `+55${ddd}${mobile}${tail}`;
    case 2:
      return `+55 (${ddd}) ${mobile}-${tail}`;
    case 3:
      return `(${ddd}) ${mobile}-${tail}`;
    case 4:
      return `(${ddd})${mobile}-${tail}`;
    case 5:
      return `${ddd} ${mobile}-${tail}`;
    case 6:
      return `(${ddd}) ${land}-${tail}`;
    case 7:
      return `${ddd} ${land}-${tail}`;
    case 8:
      return `+1${g.int(201, 989)}${g.int(200, 999)}${g.digits(4)}`;
    case 9:
      return `+1 ${g.int(201, 989)}-${g.int(200, 999)}-${g.digits(4)}`;
    case 10:
      return g.pick([
        `+44 20 ${g.digits(4)} ${g.digits(4)}`,
        `+447${g.digits(9)}`,
        `+49 30 ${g.digits(8)}`,
        `+33 6 ${g.digits(2)} ${g.digits(2)} ${g.digits(2)} ${g.digits(2)}`,
        `+351 21 ${g.digits(3)} ${g.digits(4)}`,
        `+91 ${g.int(70, 99)}${g.digits(3)} ${g.digits(5)}`,
        `+81 3-${g.digits(4)}-${g.digits(4)}`,
        `+52 55 ${g.digits(4)} ${g.digits(4)}`,
      ]);
    case 11:
      return g.pick([
        `(${ddd}) 9 ${g.int(6, 9)}${g.digits(3)}-${tail}`,
        `${ddd} 9 ${g.int(6, 9)}${g.digits(3)}-${tail}`,
        `+55 ${ddd} 9 ${g.int(6, 9)}${g.digits(3)}-${tail}`,
      ]);
    default:
      return `+55 ${ddd} ${land}-${tail}`;
  }
}

function email(g: Gen): string {
  const f = g.pick(FIRST).replace("'", "");
  const l = g.pick(LAST);
  const local = g.pick([
    `${f}.${l}`,
    `${f}${l}`,
    `${f[0]}.${l}${g.int(1, 99)}`,
    `${f}_${l}`,
    `${f}+${g.pick(["news", "shop", "test", "alerts"])}`,
    `${f}.${l}${g.int(1950, 2005)}`,
    `${f.toUpperCase()}.${l}`,
    `${f}-${l}`,
  ]);
  return `${local}@${g.pick(DOMAINS)}`;
}

function b64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function jwt(g: Gen): string {
  const header = b64url(JSON.stringify({ alg: g.pick(["HS256", "RS256", "ES256"]), typ: "JWT" }));
  const payload = b64url(
    JSON.stringify({
      sub: String(g.int(1, 1e9)),
      iat: g.int(1.6e9, 1.75e9),
      scope: g.pick(["read", "write", "admin"]),
    }),
  );
  return `${header}.${payload}.${g.chars(B64URL, g.pick([43, 86, 342]))}`;
}

function token(g: Gen): string {
  switch (g.int(0, 5)) {
    case 0:
      return `Bearer ${jwt(g)}`;
    case 1:
      return jwt(g);
    case 2:
      return `Bearer ${g.hex(40)}`;
    case 3:
      return `Bearer ya29.${g.chars(B64URL, 60)}`;
    case 4:
      return `bearer ${g.chars(B64, 32)}==`;
    default:
      return `Bearer ghp_${g.chars(B64, 36)}`;
  }
}

// --- lines --------------------------------------------------------------------------------

type Template = (v: string, g: Gen) => string;

const TEMPLATES: Record<Exclude<CorpusFile, "negatives">, readonly Template[]> = {
  email: [
    (v) => `user ${v} logged in from web`,
    (v) => `sending receipt to ${v}`,
    (v) => `{"event":"signup","email":"${v}","plan":"pro"}`,
    (v) => `GET /api/v1/users/${v}/orders 200`,
    (v) => `smtp: 550 mailbox unavailable <${v}>`,
    (v, g) => `password reset requested for ${v} ip=${ipv4(g)}`,
    (v) => `contact=${v}; campaign=black-friday`,
    (v) => `falha ao enviar e-mail para ${v}.`,
  ],
  credit_card: [
    (v) => `payment declined card=${v} amount=129.90 currency=BRL`,
    (v) => `{"card_number":"${v}","exp":"12/27"}`,
    (v, g) => `charging card ${v} for order ${orderNumber(g)}`,
    (v) => `gateway response: pan ${v} not authorised`,
    (v) => `POST /checkout?cc=${v}&cvv=*** 402`,
    (v) => `cartão ${v} recusado pelo emissor`,
  ],
  phone: [
    (v) => `SMS sent to ${v}`,
    (v) => `{"customer_phone":"${v}","opt_in":true}`,
    (v) => `ligar para ${v} sobre o pedido`,
    (v, g) => `call from ${v} routed to agent ${g.int(1, 99)}`,
    (v) => `whatsapp: message delivered to ${v}.`,
    (v) => `telefone=${v} cidade=São Paulo`,
  ],
  cpf: [
    (v) => `cliente CPF ${v} cadastrado`,
    (v) => `{"cpf":"${v}","nome":"[redacted]"}`,
    (v) => `validating document ${v} for KYC`,
    (v) => `nota fiscal emitida para cpf=${v}`,
    (v, g) => `consulta serasa ${v} score=${g.int(300, 990)}`,
  ],
  token: [
    (v) => `Authorization: ${v}`,
    (v) => `upstream request headers={"authorization":"${v}"}`,
    (v) => `{"access_token":"${v}","expires_in":3600}`,
    (v) => `retrying with token ${v}`,
    (v) => `curl -H "Authorization: ${v}" https://api.internal/v1/me`,
  ],
};

const GENERATORS: Record<Exclude<CorpusFile, "negatives">, (g: Gen) => string> = {
  email,
  credit_card: card,
  phone,
  cpf,
  token,
};

const LABELS: Record<Exclude<CorpusFile, "negatives">, string> = {
  email: "EMAIL",
  credit_card: "CREDIT_CARD",
  phone: "PHONE",
  cpf: "CPF",
  token: "TOKEN",
};

function positive(file: Exclude<CorpusFile, "negatives">, g: Gen): CorpusLine {
  const value = GENERATORS[file](g);
  const head = prefix(g);
  const body = g.pick(TEMPLATES[file])(value, g);
  const text = head + body + suffix(g);
  const start = head.length + body.indexOf(value);
  return { text, entities: [{ label: LABELS[file], value, start, end: start + value.length }] };
}

const NEGATIVE_LINES: Record<string, (g: Gen) => string> = {
  timestamp: (g) =>
    g.pick([
      `event at ${epochMs(g)} processed`,
      `created_unix_ms=${epochMs(g)} updated=${epochMs(g)}`,
      `{"ts":${epochMs(g)},"t_us":${epochMs(g)}${g.digits(3)},"t_ns":${epochMs(g)}${g.digits(6)}}`,
      `epoch=${g.int(1_600_000_000, 1_760_000_000)} time=${isoTime(g)}`,
      `window ${epochMs(g)}-${epochMs(g)} closed`,
      `Date: ${g.int(1, 28)}/${g.int(1, 12)}/${g.int(2019, 2025)} ${g.int(0, 23)}:${g.int(10, 59)} tz=+0${g.int(0, 9)}:00`,
    ]),
  uuid: (g) =>
    g.pick([
      `request_id=${uuid(g)} completed`,
      `{"id":"${uuid(g)}","parent":"${uuid(g)}"}`,
      `pod uid ${uuid(g)} deleted`,
      `idempotency-key: ${uuid(g).toUpperCase()}`,
    ]),
  trace_id: (g) =>
    g.pick([
      `trace_id=${traceId(g)} span_id=${spanId(g)} sampled=1`,
      `traceparent: 00-${traceId(g)}-${spanId(g)}-01`,
      `{"traceId":"${traceId(g)}","spanId":"${spanId(g)}","parentSpanId":"${spanId(g)}"}`,
      `x-b3-traceid=${traceId(g)} x-b3-spanid=${spanId(g)}`,
    ]),
  span_id: (g) => `span ${spanId(g)} ended status=OK children=${g.int(0, 9)} parent=${spanId(g)}`,
  ip_address: (g) =>
    g.pick([
      `connection from ${ipv4(g)}:${g.int(1024, 65535)} to ${ipv4(g)}:${g.pick([80, 443, 5432, 6379, 8080])}`,
      `peer=[${ipv6(g)}]:${g.int(1024, 65535)} reset`,
      `x-forwarded-for: ${ipv4(g)}, ${ipv4(g)}, ${ipv4(g)}`,
      `node InternalIP ${ipv4(g)} ExternalIP ${ipv4(g)} podCIDR ${ipv4(g)}/24`,
    ]),
  order_number: (g) =>
    g.pick([
      `order ${orderNumber(g)} shipped via ${g.pick(["correios", "dhl", "ups"])}`,
      `{"order_id":"${orderNumber(g)}","items":${g.int(1, 12)},"total_cents":${g.int(100, 999_999)}}`,
      `refund for ${orderNumber(g)} and ${orderNumber(g)} queued`,
      `order_id=${g.int(10_000_000, 9_999_999_999)} status=paid`,
    ]),
  version: (g) =>
    g.pick([
      `starting ${g.pick(SERVICES)} version ${version(g)} (go1.${g.int(18, 23)}.${g.int(0, 9)})`,
      `image registry.example.com/${g.pick(SERVICES)}:${version(g)}@sha256:${g.hex(64)}`,
      `dependency lodash@${version(g).replace(/^v/, "")} react@18.${g.int(0, 3)}.${g.int(0, 9)}`,
      `kernel ${g.int(4, 6)}.${g.int(0, 19)}.${g.int(0, 200)}-${g.int(1, 40)}-generic kubelet ${version(g)}`,
    ]),
  metrics: (g) =>
    g.pick([
      `heap_bytes=${g.int(1e6, 4e9)} rss=${g.int(1e6, 4e9)} gc_pause_ns=${g.int(1e3, 1e8)}`,
      `latency p50=${g.int(1, 99)}ms p99=${g.int(100, 9999)}ms count=${g.int(1, 1e7)} ratio=0.${g.digits(4)}`,
      `container_id=containerd://${g.hex(64)} restarts=${g.int(0, 30)}`,
      `resourceVersion=${g.int(1e5, 9e9)} generation=${g.int(1, 400)} observedGeneration=${g.int(1, 400)}`,
      `retry in ${g.int(1, 60)}s (attempt ${g.int(1, 9)} of 10) backoff=+${g.int(100, 9999)}ms`,
    ]),
};

/** The whole corpus for `seed`, file by file. */
export function generateCorpus(seed = DEFAULT_CORPUS_SEED): Record<CorpusFile, CorpusLine[]> {
  const out = {} as Record<CorpusFile, CorpusLine[]>;
  for (const [index, file] of (["email", "credit_card", "phone", "cpf", "token"] as const).entries()) {
    const g = new Gen(seed + index);
    out[file] = Array.from({ length: POSITIVES_PER_ENTITY }, () => positive(file, g));
  }
  const g = new Gen(seed + 100);
  const categories = Object.keys(NEGATIVE_LINES);
  out.negatives = Array.from({ length: NEGATIVES }, (_, k) => {
    const category = categories[k % categories.length] as string;
    const text = prefix(g) + (NEGATIVE_LINES[category] as (g: Gen) => string)(g) + suffix(g);
    return { text, entities: [], category };
  });
  return out;
}

/** One corpus file as JSON lines. */
export function corpusToJsonl(lines: readonly CorpusLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}
