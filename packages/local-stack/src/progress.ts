/** Where progress lines go (stdout in the CLI; a buffer or nothing in tests). */
export interface ProgressSink {
  write(text: string): void;
}

const NAME_WIDTH = 18;

/** Prints each start-up step as it starts and when it is ready (or failed), with its address. */
export class Progress {
  readonly #out: ProgressSink;
  readonly #clock: () => number;

  constructor(out: ProgressSink, clock: () => number = Date.now) {
    this.#out = out;
    this.#clock = clock;
  }

  /** Runs one step: `name … starting`, then `name ✓ ready <detail> (1.2 s)` or `name ✗ failed`. */
  async step<T>(name: string, run: () => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    const started = this.#clock();
    const label = name.padEnd(NAME_WIDTH);
    this.#out.write(`  … ${label} starting\n`);
    try {
      const result = await run();
      const seconds = ((this.#clock() - started) / 1000).toFixed(1);
      const d = detail?.(result);
      this.#out.write(`  ✓ ${label} ready${d ? `  ${d}` : ""} (${seconds} s)\n`);
      return result;
    } catch (error) {
      this.#out.write(`  ✗ ${label} failed: ${(error as Error).message}\n`);
      throw error;
    }
  }

  note(text: string): void {
    this.#out.write(`${text}\n`);
  }
}

/** Discards progress (tests, embedding). */
export const SILENT_PROGRESS: ProgressSink = { write: () => undefined };
