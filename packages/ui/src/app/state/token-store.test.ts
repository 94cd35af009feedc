import { describe, expect, it } from "vitest";
import { TokenStore } from "./token-store.js";

describe("TokenStore", () => {
  it("keeps a trimmed token in the given storage and forgets it", () => {
    const map = new Map<string, string>();
    const storage = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    };
    const store = new TokenStore(storage);
    expect(store.get()).toBe("");
    store.set("  eyJtoken \n");
    expect(store.get()).toBe("eyJtoken");
    expect([...map.values()]).toEqual(["eyJtoken"]);
    store.clear();
    expect(map.size).toBe(0);
  });

  it("works without storage or when storage throws", () => {
    expect(new TokenStore(undefined).get()).toBe("");
    const throwing = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => undefined,
    };
    const store = new TokenStore(throwing);
    expect(() => store.set("x")).not.toThrow();
    expect(store.get()).toBe("");
  });
});
