import { BUILTIN_ENTITIES, scanBuiltins } from "./builtin-scanner.js";
import {
  compileCustomPatterns,
  findCustom,
  type CompiledPattern,
  type CustomPattern,
} from "./custom-pattern.js";
import { keyedReplacement } from "./keyed-hash.js";

export interface MaskerOptions {
  readonly customPatterns?: readonly CustomPattern[];
  /** Turns on keyed-hash mode: `[EMAIL:3f9a1c2b]` instead of `[EMAIL]`. At least 16 bytes. */
  readonly hashKey?: Uint8Array;
  /** Longest stretch of text one custom regex runs on at a time. Default 4096. */
  readonly maxCustomInputChars?: number;
  /** Structures nested deeper than this are replaced by "[TOO_DEEP]". Default 64. */
  readonly maxDepth?: number;
}

/** What the masker has done since it was created. */
export interface MaskerStats {
  stringsScanned: number;
  stringsMasked: number;
  /** Replacements by label. */
  readonly replacements: Record<string, number>;
}

export const DEFAULT_MAX_CUSTOM_INPUT_CHARS = 4096;

/** Integers with at least this many digits may be card, phone or CPF numbers stored as numbers. */
const MIN_SUSPECT_INTEGER = 1e9;

/**
 * Replaces PII in strings and in every string (and long integer) of a JSON-like structure:
 * built-in detectors in one pass, then the configured custom patterns. Construction validates
 * the custom patterns and throws {@link MaskingConfigError} listing every bad one.
 */
export class Masker {
  readonly #labels: string[];
  readonly #plain: string[];
  readonly #custom: CompiledPattern[];
  readonly #hashKey: Uint8Array | undefined;
  readonly #maxCustomInputChars: number;
  readonly #maxDepth: number;
  readonly #spans: number[] = [];
  readonly #customSpans: number[] = [];
  readonly stats: MaskerStats;

  constructor(options: MaskerOptions = {}) {
    this.#custom = compileCustomPatterns(options.customPatterns ?? []);
    this.#labels = [...BUILTIN_ENTITIES, ...this.#custom.map((c) => c.label)];
    this.#plain = this.#labels.map((l) => `[${l}]`);
    if (options.hashKey !== undefined && options.hashKey.length < 16) {
      throw new RangeError("the masking hash key must be at least 16 bytes");
    }
    this.#hashKey = options.hashKey;
    this.#maxCustomInputChars = options.maxCustomInputChars ?? DEFAULT_MAX_CUSTOM_INPUT_CHARS;
    this.#maxDepth = options.maxDepth ?? 64;
    this.stats = {
      stringsScanned: 0,
      stringsMasked: 0,
      replacements: Object.fromEntries(this.#labels.map((l) => [l, 0])),
    };
  }

  /** Whether replacements carry a keyed hash. */
  get keyed(): boolean {
    return this.#hashKey !== undefined;
  }

  /** `s` with every detected entity replaced; the same string object when nothing was found. */
  maskString(s: string): string {
    this.stats.stringsScanned++;
    const spans = this.#spans;
    spans.length = 0;
    scanBuiltins(s, spans);
    if (this.#custom.length > 0) this.#addCustom(s);
    if (spans.length === 0) return s;
    this.stats.stringsMasked++;
    let out = "";
    let pos = 0;
    for (let k = 0; k < spans.length; k += 3) {
      const start = spans[k] as number;
      const end = spans[k + 1] as number;
      const id = spans[k + 2] as number;
      const label = this.#labels[id] as string;
      out += s.slice(pos, start);
      out += this.#hashKey ? keyedReplacement(this.#hashKey, label, s.slice(start, end)) : this.#plain[id];
      pos = end;
      this.stats.replacements[label] = (this.stats.replacements[label] ?? 0) + 1;
    }
    return out + s.slice(pos);
  }

  /**
   * A copy of `value` with every string masked, object keys included, and integers of ten or
   * more digits that mask to something else replaced by the masked string. Not mutated.
   */
  mask<T>(value: T): T {
    return this.#maskValue(value, 0) as T;
  }

  #maskValue(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.maskString(value);
    if (typeof value === "number") {
      if (Number.isInteger(value) && Math.abs(value) >= MIN_SUSPECT_INTEGER) {
        const text = String(value);
        const masked = this.maskString(text);
        return masked === text ? value : masked;
      }
      return value;
    }
    if (typeof value === "bigint") {
      const text = value.toString();
      const masked = this.maskString(text);
      return masked === text ? value : masked;
    }
    if (value === null || typeof value !== "object") return value;
    if (depth >= this.#maxDepth) return "[TOO_DEEP]";
    if (Array.isArray(value)) return value.map((v) => this.#maskValue(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[this.maskString(k)] = this.#maskValue(v, depth + 1);
    }
    return out;
  }

  /** Adds custom matches to the built-in spans, keeping them ordered and without overlap. */
  #addCustom(s: string): void {
    const custom = this.#customSpans;
    custom.length = 0;
    for (let p = 0; p < this.#custom.length; p++) {
      findCustom(
        s,
        this.#custom[p] as CompiledPattern,
        BUILTIN_ENTITIES.length + p,
        this.#maxCustomInputChars,
        custom,
      );
    }
    if (custom.length === 0) return;
    const all: [number, number, number][] = [];
    const spans = this.#spans;
    for (let k = 0; k < spans.length; k += 3) all.push([spans[k]!, spans[k + 1]!, spans[k + 2]!]);
    for (let k = 0; k < custom.length; k += 3) all.push([custom[k]!, custom[k + 1]!, custom[k + 2]!]);
    // Earlier start wins; at the same start the longer match; built-ins come first on a tie.
    all.sort((x, y) => x[0] - y[0] || y[1] - x[1] || x[2] - y[2]);
    spans.length = 0;
    let end = 0;
    for (const [s0, e0, id] of all) {
      if (s0 < end) continue;
      spans.push(s0, e0, id);
      end = e0;
    }
  }
}
