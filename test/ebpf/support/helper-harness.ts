import { execFileSync } from "node:child_process";
import { createLogger } from "@causeway/runtime";
import {
  EbpfHelper,
  nativeSourceDir,
  type CounterSnapshot,
  type HelloRecord,
  type HelperEvent,
} from "@causeway/ebpf-helper";
import { waitFor } from "@causeway/testkit";

/** Builds the native helper (a no-op when up to date). */
export function buildHelper(): void {
  execFileSync("make", ["-s", "-C", nativeSourceDir()], { stdio: ["ignore", "ignore", "inherit"] });
}

/** The real helper on the real kernel, recording everything it reports. */
export class HelperHarness {
  readonly events: HelperEvent[] = [];
  latest: CounterSnapshot | undefined;
  hello: HelloRecord | undefined;
  private readonly helper: EbpfHelper;

  constructor(intervalMs = 200, helperFlags: readonly string[] = []) {
    this.helper = new EbpfHelper({
      logger: createLogger({ component: "ebpf-test", level: "warn" }),
      intervalMs,
      helperArgs: helperFlags,
    });
    this.helper.on("event", (e) => this.events.push(e));
    this.helper.on("counters", (s) => {
      this.latest = s;
    });
    this.helper.on("ready", (h) => {
      this.hello = h;
    });
  }

  async start(): Promise<HelloRecord> {
    this.helper.start();
    return waitFor(() => this.hello, { what: "the helper to attach", timeoutMs: 30_000 });
  }

  stop(): Promise<void> {
    return this.helper.stop();
  }

  waitForEvent<K extends HelperEvent["kind"]>(
    kind: K,
    match: (e: Extract<HelperEvent, { kind: K }>) => boolean,
    timeoutMs = 15_000,
  ): Promise<Extract<HelperEvent, { kind: K }>> {
    return waitFor(
      () =>
        this.events.find(
          (e): e is Extract<HelperEvent, { kind: K }> =>
            e.kind === kind && match(e as Extract<HelperEvent, { kind: K }>),
        ),
      { what: `a ${kind} event`, timeoutMs },
    );
  }

  /** Waits until the latest counters satisfy `probe` (counters arrive once per interval). */
  waitForCounters<T>(
    probe: (s: CounterSnapshot) => T | undefined | false,
    what: string,
    timeoutMs = 20_000,
  ): Promise<T> {
    return waitFor(() => (this.latest ? probe(this.latest) : undefined), { what, timeoutMs });
  }
}
