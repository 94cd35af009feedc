import { cardScheme } from "./card-issuers.js";
import { cpfValid } from "./cpf.js";
import { luhnValid } from "./luhn.js";

/** The built-in entity types, in the order of their numeric ids in a span list. */
export const BUILTIN_ENTITIES = ["EMAIL", "CREDIT_CARD", "PHONE", "CPF", "TOKEN"] as const;
export type BuiltinEntity = (typeof BUILTIN_ENTITIES)[number];

export const EMAIL = 0;
export const CREDIT_CARD = 1;
export const PHONE = 2;
export const CPF = 3;
export const TOKEN = 4;

// One table lookup per character decides whether anything can start here; everything else
// (most of a log line) costs a load and a compare.
const NONE = 0;
const DIGIT = 1;
const AT = 2;
const PLUS = 3;
const LPAREN = 4;
const LETTER_B = 5;
const LETTER_E = 6;

const TRIGGER = new Uint8Array(128);
/** [A-Za-z0-9_]: characters that glue a number to an identifier. */
const WORD = new Uint8Array(128);
/** Characters allowed in the local part of an email address. */
const LOCAL = new Uint8Array(128);
/** Characters of a base64url segment (JWT). */
const B64URL = new Uint8Array(128);
/** Characters of an RFC 6750 bearer token. */
const TOKEN68 = new Uint8Array(128);

for (let c = 48; c <= 57; c++) {
  TRIGGER[c] = DIGIT;
  WORD[c] = LOCAL[c] = B64URL[c] = TOKEN68[c] = 1;
}
for (let c = 65; c <= 90; c++) WORD[c] = LOCAL[c] = B64URL[c] = TOKEN68[c] = WORD[c + 32] = 1;
for (let c = 97; c <= 122; c++) LOCAL[c] = B64URL[c] = TOKEN68[c] = 1;
WORD[95] = B64URL[95] = TOKEN68[95] = LOCAL[95] = 1; // _
B64URL[45] = TOKEN68[45] = LOCAL[45] = 1; // -
for (const ch of "._%+") LOCAL[ch.charCodeAt(0)] = 1;
for (const ch of ".~+/") TOKEN68[ch.charCodeAt(0)] = 1;
TRIGGER[64] = AT;
TRIGGER[43] = PLUS;
TRIGGER[40] = LPAREN;
TRIGGER[66] = TRIGGER[98] = LETTER_B;
TRIGGER[101] = LETTER_E;

const SPACE = 32;
const DASH = 45;
const DOT = 46;
const PLUS_SIGN = 43;

const isWord = (c: number): boolean => c < 128 && WORD[c] === 1;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

// Scratch buffers reused across calls: the scanner allocates nothing unless it finds something.
const MAX_GROUPS = 24;
const groupStart = new Int32Array(MAX_GROUPS);
const groupEnd = new Int32Array(MAX_GROUPS);
/** The separator before each group (0 for the first). */
const groupSep = new Int32Array(MAX_GROUPS);
const tokenFirstGroup = new Int32Array(MAX_GROUPS);
const tokenLastGroup = new Int32Array(MAX_GROUPS);
const digitBuf = new Uint8Array(64);

/**
 * Finds every built-in entity in `s` in one left-to-right pass and appends each as a triple
 * (start, end, entity id) to `spans`, in order and without overlap. Appends nothing and
 * allocates nothing for a string without PII.
 */
export function scanBuiltins(s: string, spans: number[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    const kind = c < 128 ? (TRIGGER[c] as number) : NONE;
    if (kind === NONE) {
      i++;
      continue;
    }
    switch (kind) {
      case DIGIT:
        i = scanNumberRun(s, i, spans);
        break;
      case AT:
        i = scanEmail(s, i, spans);
        break;
      case PLUS:
        i = scanE164(s, i, spans);
        break;
      case LPAREN:
        i = scanParenPhone(s, i, spans);
        break;
      case LETTER_B:
        i = scanBearer(s, i, spans);
        break;
      default:
        i = scanJwt(s, i, spans);
        break;
    }
  }
}

function lastEnd(spans: number[]): number {
  return spans.length === 0 ? 0 : (spans[spans.length - 2] as number);
}

/**
 * A run of digit groups joined by single spaces, dashes or dots. Groups joined by dashes or dots
 * form a token ("123.456.789-09", "2024-01-15"); tokens joined by spaces may together form one
 * entity ("4111 1111 1111 1111", "11 99999-9999"). Entities always cover whole tokens, so a
 * number glued into an identifier (a UUID, "ORD-2024-1234", "v1.2.3") is never cut out of it.
 */
function scanNumberRun(s: string, start: number, spans: number[]): number {
  const n = s.length;
  const prev = start > 0 ? s.charCodeAt(start - 1) : SPACE;
  // A number glued by "-", "." or "+" to an identifier belongs to it ("a716-4466…", "1.0.0+2024…").
  const startBlocked =
    isWord(prev) ||
    ((prev === DASH || prev === DOT || prev === PLUS_SIGN) && start > 1 && isWord(s.charCodeAt(start - 2)));

  let g = 0;
  let j = start;
  let sep = 0;
  for (;;) {
    const gs = j;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    groupStart[g] = gs;
    groupEnd[g] = j;
    groupSep[g] = sep;
    g++;
    if (g === MAX_GROUPS || j + 1 >= n) break;
    const c = s.charCodeAt(j);
    if ((c === SPACE || c === DASH || c === DOT) && isDigit(s.charCodeAt(j + 1))) {
      sep = c;
      j++;
      continue;
    }
    break;
  }
  const runEnd = j;
  const after = runEnd < n ? s.charCodeAt(runEnd) : SPACE;
  const endBlocked =
    isWord(after) ||
    ((after === DASH || after === DOT) && runEnd + 1 < n && isWord(s.charCodeAt(runEnd + 1)));

  // Split the groups into space-separated tokens.
  let t = 0;
  tokenFirstGroup[0] = 0;
  for (let k = 1; k < g; k++) {
    if (groupSep[k] === SPACE) {
      tokenLastGroup[t] = k - 1;
      t++;
      tokenFirstGroup[t] = k;
    }
  }
  tokenLastGroup[t] = g - 1;
  const tokens = t + 1;
  const firstToken = startBlocked ? 1 : 0;
  const lastToken = endBlocked ? tokens - 2 : tokens - 1;

  let a = firstToken;
  while (a <= lastToken) {
    const b = matchAt(s, a, lastToken, spans);
    a = b < 0 ? a + 1 : b + 1;
  }
  if (endBlocked) {
    // Skip the rest of the identifier the run is glued to.
    let k = runEnd;
    while (k < n && isWord(s.charCodeAt(k))) k++;
    return k;
  }
  return runEnd;
}

/** Tries every number entity starting at token `a`; emits the match and returns its last token, or -1. */
function matchAt(s: string, a: number, lastToken: number, spans: number[]): number {
  const ga = tokenFirstGroup[a] as number;
  const gb = tokenLastGroup[a] as number;
  const groupsInToken = gb - ga + 1;

  // CPF: 123.456.789-09, 123456789-09 or 12345678909.
  if (groupsInToken === 4 || groupsInToken === 2 || groupsInToken === 1) {
    const total = collectDigits(s, ga, gb);
    if (total === 11 && isCpfShape(ga, groupsInToken) && cpfValid(digitBuf)) {
      emit(spans, groupStart[ga] as number, groupEnd[gb] as number, CPF);
      return a;
    }
  }

  // Card in one token: 4111111111111111 or 4111-1111-1111-1111.
  if (groupsInToken === 1 || allSeparators(ga + 1, gb, DASH)) {
    if (groupsInToken === 1 || groupLength(ga) === 4) {
      const total = collectDigits(s, ga, gb);
      if (total >= 13 && total <= 19 && isCard(total)) {
        emit(spans, groupStart[ga] as number, groupEnd[gb] as number, CREDIT_CARD);
        return a;
      }
    }
  }

  // Card over space-separated single-group tokens: 4111 1111 1111 1111, 3782 822463 10005.
  if (groupsInToken === 1 && groupLength(ga) === 4 && a < lastToken) {
    let total = 0;
    let best = -1;
    for (let b = a; b <= lastToken && b - a < 8; b++) {
      const gi = tokenFirstGroup[b] as number;
      if (tokenLastGroup[b] !== gi) break;
      const len = groupLength(gi);
      if (len > 6 || total + len > 19) break;
      for (let k = groupStart[gi] as number; k < (groupEnd[gi] as number); k++) {
        digitBuf[total++] = s.charCodeAt(k) - 48;
      }
      if (b > a && total >= 13 && isCard(total)) best = b;
    }
    if (best >= 0) {
      emit(spans, groupStart[ga] as number, groupEnd[tokenFirstGroup[best] as number] as number, CREDIT_CARD);
      return best;
    }
  }

  // Brazilian phone with area code, no country code: 11 99999-9999, 21 3333 4444.
  if (groupsInToken === 1 && groupLength(ga) === 2 && a < lastToken && isAreaCode(s, ga)) {
    const end = matchSubscriber(s, a + 1, lastToken);
    if (end >= 0) {
      emit(spans, groupStart[ga] as number, groupEnd[tokenLastGroup[end] as number] as number, PHONE);
      return end;
    }
  }
  return -1;
}

function groupLength(g: number): number {
  return (groupEnd[g] as number) - (groupStart[g] as number);
}

function allSeparators(from: number, to: number, sep: number): boolean {
  for (let k = from; k <= to; k++) if (groupSep[k] !== sep) return false;
  return true;
}

function collectDigits(s: string, ga: number, gb: number): number {
  let total = 0;
  for (let g = ga; g <= gb; g++) {
    const e = groupEnd[g] as number;
    if (total + e - (groupStart[g] as number) > 19) return 99;
    for (let k = groupStart[g] as number; k < e; k++) digitBuf[total++] = s.charCodeAt(k) - 48;
  }
  return total;
}

function isCpfShape(ga: number, groups: number): boolean {
  if (groups === 1) return true;
  if (groups === 2) return groupLength(ga) === 9 && groupSep[ga + 1] === DASH;
  return (
    groupLength(ga) === 3 &&
    groupLength(ga + 1) === 3 &&
    groupLength(ga + 2) === 3 &&
    groupSep[ga + 1] === DOT &&
    groupSep[ga + 2] === DOT &&
    groupSep[ga + 3] === DASH
  );
}

function isCard(length: number): boolean {
  return cardScheme(digitBuf, length) !== undefined && luhnValid(digitBuf, length);
}

/** Brazilian area codes (DDD) are two digits, each 1-9. */
function isAreaCode(s: string, g: number): boolean {
  const st = groupStart[g] as number;
  return s.charCodeAt(st) !== 48 && s.charCodeAt(st + 1) !== 48;
}

/**
 * A Brazilian subscriber number starting at token `a`: 9XXXX-XXXX or XXXX-XXXX in one token, or
 * the same halves as two space-separated tokens. Returns the last token used, or -1.
 */
function matchSubscriber(s: string, a: number, lastToken: number): number {
  const ga = tokenFirstGroup[a] as number;
  const gb = tokenLastGroup[a] as number;
  if (gb === ga + 1 && groupSep[gb] === DASH) {
    return subscriberHalves(s, ga, gb) ? a : -1;
  }
  if (gb === ga && a < lastToken) {
    const gn = tokenFirstGroup[a + 1] as number;
    if (tokenLastGroup[a + 1] === gn && subscriberHalves(s, ga, gn)) return a + 1;
    // The mobile 9 written apart: 9 9999-9999.
    if (groupLength(ga) === 1 && s.charCodeAt(groupStart[ga] as number) === 57) {
      const gl = tokenLastGroup[a + 1] as number;
      if (gl === gn + 1 && groupSep[gl] === DASH && groupLength(gn) === 4 && groupLength(gl) === 4)
        return a + 1;
    }
  }
  return -1;
}

function subscriberHalves(s: string, g1: number, g2: number): boolean {
  const l1 = groupLength(g1);
  if (groupLength(g2) !== 4 || (l1 !== 4 && l1 !== 5)) return false;
  const first = s.charCodeAt(groupStart[g1] as number) - 48;
  // Mobile numbers have nine digits and start with 9; landlines have eight and start with 2-5.
  return l1 === 5 ? first === 9 : first >= 2 && first <= 9;
}

function emit(spans: number[], start: number, end: number, entity: number): void {
  if (start < lastEnd(spans)) return;
  spans.push(start, end, entity);
}

/** E.164 with optional separators: +5511999999999, +55 11 99999-9999, +55 (11) 99999-9999, +44 20 7946 0958. */
function scanE164(s: string, at: number, spans: number[]): number {
  const n = s.length;
  if (at > 0 && isWord(s.charCodeAt(at - 1))) return at + 1;
  let j = at + 1;
  if (j >= n) return j;
  const first = s.charCodeAt(j);
  if (first < 49 || first > 57) return at + 1; // country codes never start with 0
  let digits = 0;
  let separators = 0;
  let lastDigitEnd = j;
  let prevWasDigit = false;
  let openParen = false;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (isDigit(c)) {
      digits++;
      if (digits > 15) return at + 1;
      prevWasDigit = true;
      j++;
      lastDigitEnd = j;
      continue;
    }
    const next = j + 1 < n ? s.charCodeAt(j + 1) : 0;
    if ((c === SPACE || c === DASH || c === DOT) && prevWasDigit && (isDigit(next) || next === 40)) {
      separators++;
      prevWasDigit = false;
      j++;
      continue;
    }
    if (c === 40 && !openParen && isDigit(next)) {
      openParen = true;
      separators++;
      prevWasDigit = false;
      j++;
      continue;
    }
    if (c === 41 && openParen && prevWasDigit) {
      openParen = false;
      j++;
      // ")" may be followed by one space, then digits.
      if (j < n && s.charCodeAt(j) === SPACE && j + 1 < n && isDigit(s.charCodeAt(j + 1))) j++;
      continue;
    }
    break;
  }
  if (openParen) return at + 1;
  const min = separators > 0 ? 8 : 10;
  if (digits < min) return at + 1;
  const after = lastDigitEnd < n ? s.charCodeAt(lastDigitEnd) : SPACE;
  if (isWord(after)) return at + 1;
  emit(spans, at, lastDigitEnd, PHONE);
  return lastDigitEnd;
}

/** (11) 99999-9999, (11)99999-9999, (21) 3333-4444, (11) 999999999. */
function scanParenPhone(s: string, at: number, spans: number[]): number {
  const n = s.length;
  if (at + 4 >= n || s.charCodeAt(at + 3) !== 41) return at + 1;
  const d1 = s.charCodeAt(at + 1);
  const d2 = s.charCodeAt(at + 2);
  if (d1 < 49 || d1 > 57 || d2 < 49 || d2 > 57) return at + 1;
  let j = at + 4;
  if (s.charCodeAt(j) === SPACE) j++;
  // The mobile 9 written apart: (11) 9 9999-9999.
  if (s.charCodeAt(j) === 57 && s.charCodeAt(j + 1) === SPACE && isDigit(s.charCodeAt(j + 2))) {
    const rest = j + 2;
    let k = rest;
    while (k < n && isDigit(s.charCodeAt(k))) k++;
    if (k - rest === 4 && (s.charCodeAt(k) === DASH || s.charCodeAt(k) === SPACE)) {
      let e = k + 1;
      while (e < n && isDigit(s.charCodeAt(e))) e++;
      if (e - k - 1 === 4 && !(e < n && isWord(s.charCodeAt(e)))) {
        emit(spans, at, e, PHONE);
        return e;
      }
    }
  }
  const gs = j;
  while (j < n && isDigit(s.charCodeAt(j))) j++;
  const l1 = j - gs;
  let end = -1;
  const firstDigit = s.charCodeAt(gs) - 48;
  if ((l1 === 8 && firstDigit >= 2) || (l1 === 9 && firstDigit === 9)) {
    end = j;
  } else if ((l1 === 5 && firstDigit === 9) || (l1 === 4 && firstDigit >= 2)) {
    const c = j < n ? s.charCodeAt(j) : 0;
    if (c === DASH || c === SPACE) {
      const hs = j + 1;
      let k = hs;
      while (k < n && isDigit(s.charCodeAt(k))) k++;
      if (k - hs === 4) end = k;
    }
  }
  if (end < 0) return at + 1;
  if (end < n && (isWord(s.charCodeAt(end)) || s.charCodeAt(end) === DASH)) return at + 1;
  emit(spans, at, end, PHONE);
  return end;
}

/** An email address around the "@" at `at`. */
function scanEmail(s: string, at: number, spans: number[]): number {
  const n = s.length;
  const floor = Math.max(lastEnd(spans), at - 64);
  let st = at;
  while (st > floor) {
    const c = s.charCodeAt(st - 1);
    if (c >= 128 || LOCAL[c] !== 1) break;
    st--;
  }
  while (st < at && s.charCodeAt(st) === DOT) st++;
  if (st === at) return at + 1;
  // Domain: labels of [A-Za-z0-9-] separated by dots; at least two labels; a TLD of letters.
  let j = at + 1;
  let labels = 0;
  let end = -1;
  for (;;) {
    const ls = j;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c < 128 && (WORD[c] === 1 || c === DASH) && c !== 95) j++;
      else break;
    }
    if (j === ls || s.charCodeAt(ls) === DASH || s.charCodeAt(j - 1) === DASH) break;
    labels++;
    if (labels >= 2 && isTld(s, ls, j)) end = j;
    if (j + 1 < n && s.charCodeAt(j) === DOT && isWord(s.charCodeAt(j + 1))) {
      j++;
      continue;
    }
    break;
  }
  if (end < 0) return at + 1;
  emit(spans, st, end, EMAIL);
  return end;
}

function isTld(s: string, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 24) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k) | 0x20;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

const BEARER = "earer";

/** "Bearer <token>" (any case): the scheme and the credential together become [TOKEN]. */
function scanBearer(s: string, at: number, spans: number[]): number {
  const n = s.length;
  if (at > 0 && isWord(s.charCodeAt(at - 1))) return at + 1;
  if (at + 7 >= n) return at + 1;
  for (let k = 0; k < 5; k++) {
    if ((s.charCodeAt(at + 1 + k) | 0x20) !== BEARER.charCodeAt(k)) return at + 1;
  }
  let j = at + 6;
  const spacesStart = j;
  while (j < n && (s.charCodeAt(j) === SPACE || s.charCodeAt(j) === 9)) j++;
  if (j === spacesStart) return at + 1;
  const ts = j;
  let hasDigit = false;
  let hasPunct = false;
  let hasUpper = false;
  let hasLower = false;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c >= 128 || TOKEN68[c] !== 1) break;
    if (isDigit(c)) hasDigit = true;
    else if (c >= 65 && c <= 90) hasUpper = true;
    else if (c >= 97 && c <= 122) hasLower = true;
    else hasPunct = true;
    j++;
  }
  while (j < n && s.charCodeAt(j) === 61) j++; // "=" padding
  // A credential is at least 8 characters and not a plain word ("bearer authentication failed").
  if (j - ts < 8 || !(hasDigit || hasPunct || (hasUpper && hasLower))) return at + 1;
  emit(spans, at, j, TOKEN);
  return j;
}

/** A JWT: header.payload.signature in base64url, the header starting "eyJ" (the encoding of '{"'). */
function scanJwt(s: string, at: number, spans: number[]): number {
  const n = s.length;
  if (at + 2 >= n || s.charCodeAt(at + 1) !== 121 || s.charCodeAt(at + 2) !== 74) return at + 1;
  if (at > 0) {
    const p = s.charCodeAt(at - 1);
    if (p < 128 && B64URL[p] === 1) return at + 1;
  }
  const headerEnd = skipBase64Url(s, at);
  if (headerEnd - at < 10 || headerEnd >= n || s.charCodeAt(headerEnd) !== DOT) return at + 1;
  const payloadEnd = skipBase64Url(s, headerEnd + 1);
  if (payloadEnd - headerEnd - 1 < 4 || payloadEnd >= n || s.charCodeAt(payloadEnd) !== DOT) return at + 1;
  // An unsecured JWT ends with the dot and an empty signature.
  const end = skipBase64Url(s, payloadEnd + 1);
  emit(spans, at, end, TOKEN);
  return end;
}

function skipBase64Url(s: string, from: number): number {
  let j = from;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c < 128 && B64URL[c] === 1) j++;
    else break;
  }
  return j;
}

/** Scans `s` for built-in entities (see {@link scanBuiltins}). */
export function findBuiltins(s: string): number[] {
  const spans: number[] = [];
  scanBuiltins(s, spans);
  return spans;
}
