import { createWriteStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { type AgentRegistry, type AgentSnapshot } from "../agents/agent-registry.js";
import { type IpIndex, type IpTenure } from "../graph/ip-index.js";
import { type TopologyGraph } from "../graph/topology-graph.js";
import { type Symptom, type SymptomStore } from "../symptoms/symptom-store.js";

const FORMAT_VERSION = 1;

interface Header {
  readonly version: number;
  readonly savedUnixMs: number;
  /** Journal generations from this one on hold what happened after the snapshot. */
  readonly journalGeneration: number;
  readonly agents: readonly AgentSnapshot[];
}

export interface SnapshotParts {
  readonly graph: TopologyGraph;
  readonly symptoms: SymptomStore;
  readonly agents: AgentRegistry;
  readonly ips: IpIndex;
}

export interface SnapshotStats {
  readonly entities: number;
  readonly relations: number;
  readonly symptoms: number;
  readonly bytes: number;
}

/** Lines are written in chunks of this many, yielding to the event loop between chunks. */
const CHUNK = 5000;

/**
 * Writes the mediator's state as NDJSON (a header with the agents' sequence state, then one line
 * per entity, relation, symptom and IP tenure) to a temporary file, syncs it and renames it over
 * the previous snapshot, so a crash mid-write leaves the previous one intact. The sequence state
 * is captured first, synchronously, at the journal rotation: whatever changes while the rest is
 * written is also in the new journal generation, and replaying it is idempotent.
 */
export async function writeSnapshot(
  path: string,
  parts: SnapshotParts,
  journalGeneration: number,
  clock: () => number = Date.now,
): Promise<SnapshotStats> {
  await mkdir(dirname(path), { recursive: true });
  const header: Header = {
    version: FORMAT_VERSION,
    savedUnixMs: clock(),
    journalGeneration,
    agents: parts.agents.snapshot(),
  };
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  let bytes = 0;
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
    else await new Promise<void>((r) => setImmediate(r));
  };
  const line = async (value: unknown): Promise<void> => {
    pending.push(JSON.stringify(value));
    if (pending.length >= CHUNK) await flush();
  };
  await line(header);
  let entities = 0;
  let relations = 0;
  let symptoms = 0;
  for (const e of [...parts.graph.entities()]) {
    await line({ e: [e.id, e.kind, e.name, e.namespace, e.attributes, e.sources] });
    entities++;
  }
  for (const r of [...parts.graph.relations()]) {
    await line({ r: [r.fromId, r.toId, r.type, r.attributes, r.sources] });
    relations++;
  }
  for (const s of [...parts.symptoms.all()]) {
    await line({ s });
    symptoms++;
  }
  for (const [ip, tenures] of parts.ips.dump()) await line({ ip: [ip, tenures] });
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  const handle = await open(tmp, "r+");
  await handle.datasync();
  await handle.close();
  await rename(tmp, path);
  return { entities, relations, symptoms, bytes };
}

/**
 * Loads a snapshot into empty parts; returns the journal generation to replay from, or undefined
 * when there is no snapshot. A damaged snapshot is refused whole.
 */
export async function readSnapshot(
  path: string,
  parts: SnapshotParts,
): Promise<{ journalGeneration: number; savedUnixMs: number } | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const stream = handle.createReadStream();
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let header: Header | undefined;
  const symptoms: Symptom[] = [];
  const tenures: [string, IpTenure[]][] = [];
  for await (const text of lines) {
    if (text === "") continue;
    const value = JSON.parse(text) as Record<string, unknown>;
    if (!header) {
      header = value as unknown as Header;
      if (header.version !== FORMAT_VERSION)
        throw new Error(`snapshot ${path}: unknown format version ${String(header.version)}`);
      parts.agents.load(header.agents);
      continue;
    }
    if (value.e) {
      const [id, kind, name, namespace, attributes, sources] = value.e as [
        string,
        string,
        string,
        string,
        Record<string, string>,
        string[],
      ];
      for (const source of sources)
        parts.graph.upsertEntity(source, { id, kind, name, namespace, attributes });
    } else if (value.r) {
      const [fromId, toId, type, attributes, sources] = value.r as [
        string,
        string,
        string,
        Record<string, string>,
        string[],
      ];
      for (const source of sources) parts.graph.upsertRelation(source, { fromId, toId, type, attributes });
    } else if (value.s) {
      symptoms.push(value.s as Symptom);
    } else if (value.ip) {
      tenures.push(value.ip as [string, IpTenure[]]);
    }
  }
  if (!header) return undefined;
  parts.symptoms.load(symptoms);
  parts.ips.load(tenures);
  return { journalGeneration: header.journalGeneration, savedUnixMs: header.savedUnixMs };
}

/** Removes a snapshot (tests). */
export async function removeSnapshot(path: string): Promise<void> {
  await rm(path, { force: true });
}
