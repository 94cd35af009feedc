import { type z } from "zod";

/** Raised when configuration is invalid; `problems` lists every issue found, not just the first. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(service: string, problems: readonly string[]) {
    super(`invalid ${service} configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Plain = Record<string, unknown>;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Plain)) deepFreeze(child);
  }
  return value;
}

function isPlain(value: unknown): value is Plain {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Merges config layers left to right; later layers win, objects merge, arrays replace. */
export function mergeConfigLayers(...layers: readonly Plain[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const prev = out[key];
      out[key] = isPlain(prev) && isPlain(value) ? mergeConfigLayers(prev, value) : value;
    }
  }
  return out;
}

/** Sets `value` at a dotted path (`grpc.port`) inside `target`, creating objects on the way. */
export function setDotted(target: Plain, dottedPath: string, value: unknown): void {
  const parts = dottedPath.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!isPlain(next)) node[part] = {};
    node = node[part] as Plain;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Parses `--a.b=value` and `--a.b value` flags into a nested object; `--flag` alone is `true`.
 * Values stay strings: the zod schema coerces them.
 */
export function parseFlags(argv: readonly string[]): Plain {
  const out: Plain = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq > 0) {
      setDotted(out, arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) {
        setDotted(out, arg.slice(2), next);
        i++;
      } else {
        setDotted(out, arg.slice(2), "true");
      }
    }
  }
  return out;
}

/**
 * Reads the environment variables named in `mapping` (env name → dotted config path) into a
 * nested object. Only the listed variables are read.
 */
export function readEnv(env: NodeJS.ProcessEnv, mapping: Readonly<Record<string, string>>): Plain {
  const out: Plain = {};
  for (const [name, dottedPath] of Object.entries(mapping)) {
    const value = env[name];
    if (value !== undefined && value !== "") setDotted(out, dottedPath, value);
  }
  return out;
}

/** Validates `raw` against `schema`, reporting every problem at once, and deep-freezes the result. */
export function parseConfig<S extends z.ZodTypeAny>(
  service: string,
  schema: S,
  raw: unknown,
): Readonly<z.output<S>> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "(root)";
      return `${where}: ${issue.message}`;
    });
    throw new ConfigError(service, problems);
  }
  return deepFreeze(result.data as z.output<S>);
}
