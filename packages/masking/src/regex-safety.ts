/**
 * A static check for regular expressions that can backtrack catastrophically. It parses the
 * pattern into a small syntax tree and rejects the shapes that make a backtracking engine such as
 * V8's exponential on some input: a quantified expression nested inside another large quantifier
 * (`(a+)+`, `(\w+\s?)*`), alternatives that can start with the same character under a large
 * quantifier (`(a|ab)*`, `(\d|\w)+`), a large quantifier over something that can match the empty
 * string (`(a?)*`), and backreferences. It is deliberately conservative: it may reject a pattern
 * that is in fact safe, never the other way round for these shapes.
 */

/** A quantifier whose upper bound exceeds this counts as large. */
const LARGE_REPEAT = 10;

class CharSet {
  readonly bits = new Uint32Array(4);
  /** Whether the set holds any character beyond ASCII. */
  other = false;

  add(code: number): void {
    if (code < 128) (this.bits[code >> 5] as number) |= 1 << (code & 31);
    else this.other = true;
  }
  addRange(lo: number, hi: number): void {
    for (let c = lo; c <= Math.min(hi, 127); c++) this.add(c);
    if (hi >= 128) this.other = true;
  }
  union(o: CharSet): void {
    for (let i = 0; i < 4; i++) (this.bits[i] as number) |= o.bits[i] as number;
    this.other ||= o.other;
  }
  complement(): CharSet {
    const c = new CharSet();
    for (let i = 0; i < 4; i++) c.bits[i] = ~(this.bits[i] as number) >>> 0;
    c.other = true;
    return c;
  }
  intersects(o: CharSet): boolean {
    for (let i = 0; i < 4; i++) if (((this.bits[i] as number) & (o.bits[i] as number)) !== 0) return true;
    return this.other && o.other;
  }
  foldCase(): void {
    for (let c = 65; c <= 90; c++) {
      if (this.has(c) || this.has(c + 32)) {
        this.add(c);
        this.add(c + 32);
      }
    }
  }
  has(code: number): boolean {
    return ((this.bits[code >> 5] as number) & (1 << (code & 31))) !== 0;
  }
  static of(...ranges: [number, number][]): CharSet {
    const s = new CharSet();
    for (const [lo, hi] of ranges) s.addRange(lo, hi);
    return s;
  }
}

type Node =
  | { readonly t: "chars"; readonly set: CharSet }
  | { readonly t: "seq"; readonly items: Node[] }
  | { readonly t: "alt"; readonly alts: Node[] }
  | { readonly t: "group"; readonly body: Node; readonly lookaround: boolean }
  | { readonly t: "repeat"; readonly body: Node; readonly min: number; readonly max: number }
  | { readonly t: "assert" }
  | { readonly t: "backref" };

const DIGITS = CharSet.of([48, 57]);
const WORDS = CharSet.of([48, 57], [65, 90], [97, 122], [95, 95]);
const SPACES = CharSet.of([9, 13], [32, 32]);
SPACES.other = true;

class ParseError extends Error {}

class Parser {
  #i = 0;
  readonly #src: string;
  readonly #ignoreCase: boolean;
  readonly #dotAll: boolean;

  constructor(src: string, flags: string) {
    this.#src = src;
    this.#ignoreCase = flags.includes("i");
    this.#dotAll = flags.includes("s");
  }

  parse(): Node {
    const node = this.#alternation();
    if (this.#i < this.#src.length) throw new ParseError(`unexpected "${this.#src[this.#i]}" at ${this.#i}`);
    return node;
  }

  #peek(): string | undefined {
    return this.#src[this.#i];
  }

  #alternation(): Node {
    const alts = [this.#sequence()];
    while (this.#peek() === "|") {
      this.#i++;
      alts.push(this.#sequence());
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: "alt", alts };
  }

  #sequence(): Node {
    const items: Node[] = [];
    while (this.#i < this.#src.length && this.#peek() !== "|" && this.#peek() !== ")") {
      items.push(this.#quantified(this.#atom()));
    }
    return { t: "seq", items };
  }

  #quantified(atom: Node): Node {
    const c = this.#peek();
    let min: number;
    let max: number;
    if (c === "*") [min, max] = [0, Infinity];
    else if (c === "+") [min, max] = [1, Infinity];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#i));
      if (!m) return atom; // a literal "{" outside unicode mode
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      this.#i += m[0].length - 1;
    } else return atom;
    this.#i++;
    if (this.#peek() === "?") this.#i++; // lazy: same backtracking space
    if (atom.t === "assert") throw new ParseError("quantifier after an assertion");
    return this.#quantified({ t: "repeat", body: atom, min, max });
  }

  #atom(): Node {
    const c = this.#src[this.#i++] as string;
    switch (c) {
      case "(": {
        let lookaround = false;
        if (this.#src.startsWith("?:", this.#i)) this.#i += 2;
        else if (this.#src.startsWith("?=", this.#i) || this.#src.startsWith("?!", this.#i)) {
          this.#i += 2;
          lookaround = true;
        } else if (this.#src.startsWith("?<=", this.#i) || this.#src.startsWith("?<!", this.#i)) {
          this.#i += 3;
          lookaround = true;
        } else if (this.#src.startsWith("?<", this.#i)) {
          const close = this.#src.indexOf(">", this.#i);
          if (close < 0) throw new ParseError("unterminated group name");
          this.#i = close + 1;
        } else if (this.#peek() === "?") throw new ParseError(`unsupported group at ${this.#i - 1}`);
        const body = this.#alternation();
        if (this.#src[this.#i++] !== ")") throw new ParseError("missing )");
        return { t: "group", body, lookaround };
      }
      case "[":
        return { t: "chars", set: this.#charClass() };
      case ".": {
        const set = this.#dotAll ? new CharSet().complement() : CharSet.of([10, 10], [13, 13]).complement();
        return { t: "chars", set };
      }
      case "^":
      case "$":
        return { t: "assert" };
      case "\\":
        return this.#escape();
      case "*":
      case "+":
      case "?":
        throw new ParseError(`nothing to repeat at ${this.#i - 1}`);
      default:
        return { t: "chars", set: this.#literal(c.codePointAt(0) as number) };
    }
  }

  #literal(code: number): CharSet {
    const set = new CharSet();
    set.add(code);
    if (this.#ignoreCase) set.foldCase();
    return set;
  }

  #escape(): Node {
    const c = this.#src[this.#i++];
    if (c === undefined) throw new ParseError("trailing backslash");
    if (c === "b" || c === "B") return { t: "assert" };
    if (/[1-9]/.test(c) || (c === "k" && this.#peek() === "<")) return { t: "backref" };
    const cls = this.#classEscape(c);
    if (cls) return { t: "chars", set: cls };
    return { t: "chars", set: this.#literal(this.#escapedCode(c)) };
  }

  #classEscape(c: string): CharSet | undefined {
    switch (c) {
      case "d":
        return DIGITS;
      case "D":
        return DIGITS.complement();
      case "w":
        return WORDS;
      case "W":
        return WORDS.complement();
      case "s":
        return SPACES;
      case "S":
        return SPACES.complement();
      case "p":
      case "P": {
        // \p{...}: treat as any character, which only makes the check stricter.
        const close = this.#src.indexOf("}", this.#i);
        if (close < 0) throw new ParseError("unterminated \\p{");
        this.#i = close + 1;
        return new CharSet().complement();
      }
      default:
        return undefined;
    }
  }

  #escapedCode(c: string): number {
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, "0": 0 };
    if (c in simple) return simple[c] as number;
    if (c === "x" || c === "u") {
      const m =
        c === "x"
          ? /^[0-9a-fA-F]{2}/.exec(this.#src.slice(this.#i))
          : /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})/.exec(this.#src.slice(this.#i));
      if (!m) throw new ParseError(`bad \\${c} escape`);
      this.#i += m[0].length;
      return parseInt(m[0].replace(/[{}]/g, ""), 16);
    }
    if (c === "c") {
      this.#i++;
      return 0;
    }
    return c.codePointAt(0) as number;
  }

  #charClass(): CharSet {
    let negate = false;
    if (this.#peek() === "^") {
      negate = true;
      this.#i++;
    }
    const set = new CharSet();
    let first = true;
    for (;;) {
      const c = this.#src[this.#i++];
      if (c === undefined) throw new ParseError("unterminated [");
      if (c === "]" && !first) break;
      first = false;
      let lo: number;
      if (c === "\\") {
        const e = this.#src[this.#i++];
        if (e === undefined) throw new ParseError("trailing backslash");
        const cls = e === "b" ? undefined : this.#classEscape(e);
        if (cls) {
          set.union(cls);
          continue;
        }
        lo = e === "b" ? 8 : this.#escapedCode(e);
      } else lo = c.codePointAt(0) as number;
      if (this.#peek() === "-" && this.#src[this.#i + 1] !== "]" && this.#src[this.#i + 1] !== undefined) {
        this.#i++;
        let hiChar = this.#src[this.#i++] as string;
        let hi: number;
        if (hiChar === "\\") {
          hiChar = this.#src[this.#i++] as string;
          hi = this.#escapedCode(hiChar);
        } else hi = hiChar.codePointAt(0) as number;
        if (hi < lo) throw new ParseError("range out of order in character class");
        set.addRange(lo, hi);
      } else set.add(lo);
    }
    if (this.#ignoreCase) set.foldCase();
    return negate ? set.complement() : set;
  }
}

function nullable(node: Node): boolean {
  switch (node.t) {
    case "chars":
      return false;
    case "seq":
      return node.items.every(nullable);
    case "alt":
      return node.alts.some(nullable);
    case "group":
      return node.lookaround || nullable(node.body);
    case "repeat":
      return node.min === 0 || nullable(node.body);
    default:
      return true;
  }
}

/** The characters `node` can start with. */
function firstSet(node: Node): CharSet {
  const out = new CharSet();
  switch (node.t) {
    case "chars":
      out.union(node.set);
      break;
    case "seq":
      for (const item of node.items) {
        out.union(firstSet(item));
        if (!nullable(item)) break;
      }
      break;
    case "alt":
      for (const a of node.alts) out.union(firstSet(a));
      break;
    case "group":
      if (!node.lookaround) out.union(firstSet(node.body));
      break;
    case "repeat":
      out.union(firstSet(node.body));
      break;
    default:
      break;
  }
  return out;
}

function isLarge(node: Node): boolean {
  return node.t === "repeat" && node.max > LARGE_REPEAT;
}

function containsLargeRepeat(node: Node): boolean {
  switch (node.t) {
    case "seq":
      return node.items.some(containsLargeRepeat);
    case "alt":
      return node.alts.some(containsLargeRepeat);
    case "group":
      return containsLargeRepeat(node.body);
    case "repeat":
      return isLarge(node) || containsLargeRepeat(node.body);
    default:
      return false;
  }
}

function ambiguousAlternation(node: Node): boolean {
  switch (node.t) {
    case "alt": {
      const firsts = node.alts.map(firstSet);
      for (let i = 0; i < firsts.length; i++) {
        if (nullable(node.alts[i] as Node)) return true;
        for (let j = i + 1; j < firsts.length; j++) {
          if ((firsts[i] as CharSet).intersects(firsts[j] as CharSet)) return true;
        }
      }
      return node.alts.some(ambiguousAlternation);
    }
    case "seq":
      return node.items.some(ambiguousAlternation);
    case "group":
      return ambiguousAlternation(node.body);
    case "repeat":
      return ambiguousAlternation(node.body);
    default:
      return false;
  }
}

function walk(node: Node, problems: Set<string>): void {
  switch (node.t) {
    case "backref":
      problems.add("backreferences are not allowed");
      return;
    case "seq":
      for (const item of node.items) walk(item, problems);
      return;
    case "alt":
      for (const a of node.alts) walk(a, problems);
      return;
    case "group":
      walk(node.body, problems);
      return;
    case "repeat":
      if (isLarge(node)) {
        if (containsLargeRepeat(node.body)) problems.add("nested quantifiers (e.g. (a+)+)");
        if (nullable(node.body)) problems.add("a quantifier over an expression that can match nothing");
        if (ambiguousAlternation(node.body)) {
          problems.add("alternatives that can match the same text under a quantifier (e.g. (a|ab)*)");
        }
      }
      walk(node.body, problems);
      return;
    default:
      return;
  }
}

/**
 * Checks `pattern` (with `flags`) for syntax errors and catastrophic-backtracking shapes.
 * Returns every problem found; an empty list means the pattern is accepted.
 */
export function checkRegexSafety(pattern: string, flags = ""): string[] {
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    return [`invalid regular expression: ${(error as Error).message}`];
  }
  let tree: Node;
  try {
    tree = new Parser(pattern, flags).parse();
  } catch (error) {
    return [`cannot analyse: ${(error as Error).message}`];
  }
  const problems = new Set<string>();
  if (nullable(tree)) problems.add("the pattern can match the empty string");
  walk(tree, problems);
  return [...problems];
}
