/**
 * Returns one canonical instance per distinct string, so that the namespace, node, kind and
 * attribute names repeated across hundreds of thousands of entities are stored once.
 */
export class StringInterner {
  readonly #strings = new Map<string, string>();

  intern(value: string): string {
    const found = this.#strings.get(value);
    if (found !== undefined) return found;
    this.#strings.set(value, value);
    return value;
  }

  get size(): number {
    return this.#strings.size;
  }
}
