import { type Logger } from "@causeway/runtime";
import { type KubeClient, type KubeObject } from "./kube-client.js";

/**
 * Keeps a live copy of one collection (list, then watch from its resourceVersion; relist when the
 * watch ends in an error such as 410 Gone), calling `onChange` with every object after each change.
 */
export class ListWatch {
  readonly #kube: KubeClient;
  readonly #path: string;
  readonly #log: Logger;
  readonly #onChange: (objects: readonly KubeObject[]) => void;
  readonly #objects = new Map<string, KubeObject>();
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;

  constructor(options: {
    kube: KubeClient;
    path: string;
    log: Logger;
    onChange: (objects: readonly KubeObject[]) => void;
  }) {
    this.#kube = options.kube;
    this.#path = options.path;
    this.#log = options.log;
    this.#onChange = options.onChange;
  }

  get objects(): KubeObject[] {
    return [...this.#objects.values()];
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
  }

  async #loop(): Promise<void> {
    let delayMs = 200;
    const key = (o: KubeObject) => `${String(o.metadata?.namespace ?? "")}/${String(o.metadata?.name)}`;
    while (!this.#abort.signal.aborted) {
      try {
        const list = await this.#kube.get(this.#path);
        this.#objects.clear();
        for (const o of (list.items ?? []) as KubeObject[]) this.#objects.set(key(o), o);
        this.#onChange(this.objects);
        let rv = String(list.metadata?.resourceVersion ?? "");
        delayMs = 200;
        for (;;) {
          let failed = false;
          await this.#kube.watch(
            this.#path,
            rv,
            (event) => {
              if (event.type === "ERROR") {
                failed = true;
                return;
              }
              const o = event.object;
              if (o.metadata?.resourceVersion) rv = String(o.metadata.resourceVersion);
              if (event.type === "BOOKMARK") return;
              if (event.type === "DELETED") this.#objects.delete(key(o));
              else this.#objects.set(key(o), o);
              this.#onChange(this.objects);
            },
            this.#abort.signal,
          );
          if (failed || this.#abort.signal.aborted) break;
        }
      } catch (error) {
        if (this.#abort.signal.aborted) break;
        this.#log.warn(
          { path: this.#path, err: (error as Error).message, retryInMs: delayMs },
          "watch failed",
        );
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
  }
}
