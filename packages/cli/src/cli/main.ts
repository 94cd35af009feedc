#!/usr/bin/env node
import { kubeconfigPath, readKubeCredentials } from "../kubeconfig.js";
import { MediatorClient, MediatorError } from "../mediator-client.js";
import { portForwardToMediator } from "../port-forward.js";
import { runCommand, USAGE } from "../commands.js";

const BOOLEAN_FLAGS = new Set(["port-forward", "help"]);

function parseArgs(argv: readonly string[]): { words: string[]; flags: Record<string, string> } {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "-o") {
      flags.output = argv[++i] ?? "";
    } else if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2) as [string, string | undefined];
      flags[k] = v ?? (BOOLEAN_FLAGS.has(k) ? "true" : (argv[++i] ?? ""));
    } else {
      words.push(a);
    }
  }
  return { words, flags };
}

const { words, flags } = parseArgs(process.argv.slice(2));
if (flags.help || words.length === 0) {
  console.log(USAGE);
  process.exit(words.length === 0 && !flags.help ? 2 : 0);
}
let closeForward: (() => void) | undefined;
const client = async (): Promise<MediatorClient> => {
  let token = flags.token;
  const path = kubeconfigPath(flags.kubeconfig, process.env);
  if (!token) {
    try {
      token = (await readKubeCredentials(path, flags.context)).token;
    } catch {
      token = undefined;
    }
  }
  let url = flags["mediator-url"] ?? process.env.CAUSEWAY_MEDIATOR_URL ?? "http://127.0.0.1:8080";
  if (flags["port-forward"]) {
    const forward = await portForwardToMediator({
      namespace: flags.namespace ?? "causeway",
      service: "causeway-mediator",
      remotePort: 8080,
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context ? { context: flags.context } : {}),
    });
    closeForward = forward.close;
    url = forward.url;
  }
  return new MediatorClient(url, token);
};
let code: number;
try {
  code = await runCommand(words, flags, {
    client,
    json: flags.output === "json",
    output: { out: (l) => console.log(l), err: (l) => console.error(l) },
  });
} catch (error) {
  console.error(`causeway: ${error instanceof MediatorError ? error.message : (error as Error).message}`);
  code = 1;
} finally {
  closeForward?.();
}
process.exit(code);
