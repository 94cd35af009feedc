import { serviceKey, writeServiceDirectory, type ServiceEndpoint } from "@causeway/demo-app";
import { type Logger } from "@causeway/runtime";
import { type KubeClient, type KubeObject } from "../kube/kube-client.js";
import { ListWatch } from "../kube/list-watch.js";

/** The ready endpoints of every service, from EndpointSlices (`kubernetes.io/service-name`). */
export function directoryFromSlices(slices: readonly KubeObject[]): Record<string, ServiceEndpoint[]> {
  const out: Record<string, ServiceEndpoint[]> = {};
  for (const s of slices) {
    const service = s.metadata?.labels?.["kubernetes.io/service-name"] as string | undefined;
    const port = Number(((s.ports ?? []) as KubeObject[])[0]?.port);
    if (!service || !Number.isInteger(port) || port <= 0) continue;
    const key = serviceKey(String(s.metadata.namespace), service);
    const list = (out[key] ??= []);
    for (const e of (s.endpoints ?? []) as KubeObject[]) {
      if (e.conditions?.ready === false) continue;
      for (const ip of (e.addresses ?? []) as string[]) list.push({ ip, port });
    }
  }
  for (const list of Object.values(out)) list.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  return out;
}

/**
 * Client-side service discovery for the demo's pods (no cluster DNS or kube-proxy here): keeps the
 * endpoints file in step with the namespace's EndpointSlices.
 */
export class ServiceDirectorySync {
  readonly #watch: ListWatch;
  #last = "";
  #writing: Promise<void> = Promise.resolve();

  constructor(options: {
    kube: KubeClient;
    namespace: string;
    file: string;
    log: Logger;
    /** Called with the slices after every change (the packet-loss rules follow pod addresses). */
    onChange?: (slices: readonly KubeObject[]) => void;
  }) {
    this.#watch = new ListWatch({
      kube: options.kube,
      path: `/apis/discovery.k8s.io/v1/namespaces/${options.namespace}/endpointslices`,
      log: options.log,
      onChange: (slices) => {
        options.onChange?.(slices);
        const directory = directoryFromSlices(slices);
        const text = JSON.stringify(directory);
        if (text === this.#last) return;
        this.#last = text;
        this.#writing = this.#writing
          .then(() => writeServiceDirectory(options.file, directory))
          .catch((error: Error) =>
            options.log.warn({ err: error.message }, "cannot write the endpoints file"),
          );
      },
    });
  }

  start(): void {
    this.#watch.start();
  }

  async stop(): Promise<void> {
    await this.#watch.stop();
    await this.#writing;
  }
}
