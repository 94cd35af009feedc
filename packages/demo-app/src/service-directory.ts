import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

/** One ready endpoint of a service. */
export interface ServiceEndpoint {
  readonly ip: string;
  readonly port: number;
}

const directorySchema = z.object({
  services: z.record(z.array(z.object({ ip: z.string().min(1), port: z.number().int().min(1).max(65535) }))),
});

/** `namespace/name` → ready endpoints. */
export type ServiceDirectoryData = Readonly<Record<string, readonly ServiceEndpoint[]>>;

/** The key of a service in the directory. */
export const serviceKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Writes the directory atomically; the local stack keeps it in step with the EndpointSlices. */
export async function writeServiceDirectory(path: string, services: ServiceDirectoryData): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ services }, null, 2)}\n`);
  await rename(tmp, path);
}

/**
 * Client-side service discovery, as with a headless Service: the ready endpoints of each service,
 * read from a file the local stack writes from the cluster's EndpointSlices, chosen round robin.
 * (There is no cluster DNS or kube-proxy on one machine.)
 */
export class ServiceDirectory {
  readonly #path: string;
  #services: ServiceDirectoryData = {};
  readonly #cursor = new Map<string, number>();

  constructor(path: string) {
    this.#path = path;
  }

  /** Re-reads the file; keeps the previous content when it is missing or invalid. */
  async refresh(): Promise<void> {
    const text = await readFile(this.#path, "utf8").catch(() => undefined);
    if (text === undefined) return;
    try {
      const parsed = directorySchema.safeParse(JSON.parse(text));
      if (parsed.success) this.#services = parsed.data.services;
    } catch {
      // a torn or foreign file: keep what we had
    }
  }

  /** The next endpoint of a service, or undefined when it has none ready. */
  pick(namespace: string, name: string): ServiceEndpoint | undefined {
    const key = serviceKey(namespace, name);
    const endpoints = this.#services[key];
    if (!endpoints || endpoints.length === 0) return undefined;
    const i = (this.#cursor.get(key) ?? 0) % endpoints.length;
    this.#cursor.set(key, i + 1);
    return endpoints[i];
  }
}
