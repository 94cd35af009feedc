import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Remembers the nonces of tasks already accepted, so a task runs at most once. A nonce needs to
 * be remembered only until its task expires (an expired task is refused anyway), which bounds
 * the store. Persisted as an append-only file so a restart does not forget.
 */
export class NonceStore {
  readonly #seen = new Map<string, number>();
  readonly #file: FileHandle | undefined;

  private constructor(file: FileHandle | undefined) {
    this.#file = file;
  }

  /** A store kept in memory only (tests, or an executor that never restarts). */
  static inMemory(): NonceStore {
    return new NonceStore(undefined);
  }

  /** A store persisted at `path`, loading what an earlier run recorded. */
  static async open(path: string, nowMs: number = Date.now()): Promise<NonceStore> {
    await mkdir(dirname(path), { recursive: true });
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const store = new NonceStore(await open(path, "a"));
    for (const line of text.split("\n")) {
      const [nonce, expires] = line.split(" ");
      const expiresMs = Number(expires);
      if (nonce && Number.isFinite(expiresMs) && expiresMs > nowMs) store.#seen.set(nonce, expiresMs);
    }
    return store;
  }

  has(nonce: string): boolean {
    return this.#seen.has(nonce);
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Records `nonce` as used until `expiresMs`; false when it was used already. */
  async consume(nonce: string, expiresMs: number, nowMs: number = Date.now()): Promise<boolean> {
    this.#prune(nowMs);
    if (this.#seen.has(nonce)) return false;
    this.#seen.set(nonce, expiresMs);
    if (this.#file) {
      await this.#file.write(`${nonce} ${expiresMs}\n`);
      await this.#file.datasync();
    }
    return true;
  }

  async close(): Promise<void> {
    await this.#file?.close();
  }

  #prune(nowMs: number): void {
    for (const [nonce, expiresMs] of this.#seen) if (expiresMs <= nowMs) this.#seen.delete(nonce);
  }
}
