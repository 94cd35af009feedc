export interface PollerOptions {
  readonly intervalMs: number;
  /** One refresh; the next is scheduled only after it settles, so refreshes never overlap. */
  readonly tick: () => Promise<void>;
  readonly setTimer?: (f: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/**
 * Auto-refresh: runs `tick` every `intervalMs` after the previous one finished, pausable, and
 * refreshable at once (which restarts the interval). Errors are the tick's to report.
 */
export class Poller {
  #intervalMs: number;
  readonly #tick: () => Promise<void>;
  readonly #setTimer: (f: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  #timer: unknown;
  #running = false;
  #paused = false;
  #again = false;
  #stopped = true;

  constructor(options: PollerOptions) {
    this.#intervalMs = options.intervalMs;
    this.#tick = options.tick;
    this.#setTimer = options.setTimer ?? ((f, ms) => setTimeout(f, ms));
    this.#clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get paused(): boolean {
    return this.#paused;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  start(): void {
    this.#stopped = false;
    void this.refreshNow();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel();
  }

  pause(): void {
    this.#paused = true;
    this.#cancel();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    void this.refreshNow();
  }

  setIntervalMs(ms: number): void {
    this.#intervalMs = ms;
    if (!this.#running) this.#schedule();
  }

  /** Refreshes now (even when paused); a refresh already running is followed by one more. */
  async refreshNow(): Promise<void> {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#cancel();
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.#tick().catch(() => undefined);
      } while (this.#again && !this.#stopped);
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#cancel();
    if (this.#paused || this.#stopped) return;
    this.#timer = this.#setTimer(() => {
      this.#timer = undefined;
      void this.refreshNow();
    }, this.#intervalMs);
  }
}
