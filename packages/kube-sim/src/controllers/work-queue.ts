/**
 * A de-duplicating work queue, as client-go's: a key queued several times before it is processed
 * is processed once. Work runs in batches off the request path (setImmediate), so a burst of
 * changes costs one reconcile per key.
 */
export class WorkQueue {
  readonly #pending = new Set<string>();
  readonly #process: (key: string) => void;
  readonly #onError: (key: string, error: unknown) => void;
  #scheduled = false;
  #stopped = true;
  /** Keys processed per turn of the event loop, so requests are served in between. */
  readonly #batch: number;

  constructor(process: (key: string) => void, onError: (key: string, error: unknown) => void, batch = 500) {
    this.#process = process;
    this.#onError = onError;
    this.#batch = batch;
  }

  get length(): number {
    return this.#pending.size;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
  }

  add(key: string): void {
    this.#pending.add(key);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped || this.#pending.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#run());
  }

  #run(): void {
    this.#scheduled = false;
    if (this.#stopped) return;
    let n = 0;
    for (const key of this.#pending) {
      this.#pending.delete(key);
      try {
        this.#process(key);
      } catch (error) {
        this.#onError(key, error);
      }
      if (++n >= this.#batch) break;
    }
    this.#schedule();
  }
}
