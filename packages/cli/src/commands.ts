import { readFile, writeFile } from "node:fs/promises";
import { parseAuditNdjson, publicKeyFromPem, verifyAuditTrail } from "@causeway/audit";
import { type MediatorClient } from "./mediator-client.js";

/** Where command output goes; tests capture it. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export interface CommandContext {
  readonly client: () => Promise<MediatorClient>;
  readonly output: Output;
  readonly json: boolean;
}

interface RemediationView {
  id: string;
  state: string;
  change: { action: string; target: { kind: string; namespace?: string; name: string } };
  changeSha256: string;
  reason: string;
}

function printJson(ctx: CommandContext, value: unknown): void {
  ctx.output.out(JSON.stringify(value, null, 2));
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

function target(r: RemediationView): string {
  const t = r.change.target;
  return `${t.kind}/${t.namespace ? `${t.namespace}/` : ""}${t.name}`;
}

export const USAGE = `usage: causeway [options] <command>

commands:
  status                            mediator readiness and connected agents
  rootcauses                        ranked root causes with their explanation
  remediations list                 every remediation and its state
  remediations show ID              one remediation, with its exact change
  remediations approve ID           approve, as the user of your kubeconfig
  remediations reject ID --reason R reject, with a reason
  audit export [--out FILE]         the audit trail as NDJSON
  audit verify [FILE]               verify an exported trail (or the live one)

options:
  --mediator-url URL   reach the mediator here (default: http://127.0.0.1:8080)
  --port-forward       reach it through kubectl port-forward to svc/causeway-mediator
  --namespace NS       namespace of the mediator (default: causeway)
  --kubeconfig FILE    kubeconfig for your identity (default: $KUBECONFIG or ~/.kube/config)
  --context NAME       kubeconfig context
  --token TOKEN        bearer token instead of the kubeconfig's
  --public-key FILE    mediator public key (PEM) for audit verify
  -o json              machine-readable output`;

/** Runs one command; returns the process exit code. */
export async function runCommand(
  words: readonly string[],
  flags: Readonly<Record<string, string>>,
  ctx: CommandContext,
): Promise<number> {
  const [group, action, arg] = words;
  switch (`${group ?? ""} ${group === "remediations" || group === "audit" ? (action ?? "") : ""}`.trim()) {
    case "status": {
      const client = await ctx.client();
      const agents = await client.getJson<{
        agents?: { agentId?: string; nodeName?: string; connected?: boolean }[];
      }>("/api/v1/agents");
      if (ctx.json) return (printJson(ctx, agents), 0);
      const list = agents.agents ?? [];
      ctx.output.out(`agents: ${list.filter((a) => a.connected).length} connected of ${list.length}`);
      for (const line of table([
        ["AGENT", "NODE", "CONNECTED"],
        ...list.map((a) => [a.agentId ?? "", a.nodeName ?? "", String(a.connected ?? false)]),
      ])) {
        ctx.output.out(line);
      }
      return 0;
    }
    case "rootcauses": {
      const client = await ctx.client();
      const body = await client.getJson<{
        rootCauses?: { type: string; entityId: string; confidence: number }[];
      }>("/api/v1/rootcauses");
      if (ctx.json) return (printJson(ctx, body), 0);
      const rows = (body.rootCauses ?? []).map((r, i) => [
        String(i + 1),
        r.type,
        r.entityId,
        r.confidence.toFixed(2),
      ]);
      for (const line of table([["#", "ROOT CAUSE", "ENTITY", "CONFIDENCE"], ...rows])) ctx.output.out(line);
      return 0;
    }
    case "remediations list": {
      const client = await ctx.client();
      const body = await client.getJson<{ remediations: RemediationView[] }>("/api/v1/remediations");
      if (ctx.json) return (printJson(ctx, body), 0);
      const rows = body.remediations.map((r) => [r.id, r.state, r.change.action, target(r), r.reason]);
      for (const line of table([["ID", "STATE", "ACTION", "TARGET", "REASON"], ...rows]))
        ctx.output.out(line);
      return 0;
    }
    case "remediations show":
    case "remediations approve":
    case "remediations reject": {
      if (!arg) {
        ctx.output.err(`causeway remediations ${action}: a remediation id is required`);
        return 2;
      }
      const client = await ctx.client();
      const path = `/api/v1/remediations/${encodeURIComponent(arg)}`;
      const shown = await client.getJson<RemediationView>(path);
      if (action === "show") return (printJson(ctx, shown), 0);
      if (action === "reject") {
        const reason = flags.reason;
        if (!reason) {
          ctx.output.err("causeway remediations reject: --reason is required");
          return 2;
        }
        const r = await client.postJson<RemediationView>(`${path}/reject`, { reason });
        ctx.output.out(`${r.id} rejected`);
        return 0;
      }
      // Approve exactly the change that was shown: the mediator refuses if it differs.
      ctx.output.out(
        `approving ${shown.id}: ${shown.change.action} ${target(shown)} (change ${shown.changeSha256.slice(0, 12)})`,
      );
      const r = await client.postJson<RemediationView>(`${path}/approve`, {
        changeSha256: shown.changeSha256,
      });
      ctx.output.out(`${r.id} ${r.state}`);
      return 0;
    }
    case "audit export": {
      const text = await (await ctx.client()).getText("/api/v1/audit/export");
      if (flags.out) await writeFile(flags.out, text);
      else ctx.output.out(text.trimEnd());
      return 0;
    }
    case "audit verify": {
      const text = arg
        ? await readFile(arg, "utf8")
        : await (await ctx.client()).getText("/api/v1/audit/export");
      const keys = flags["public-key"] ? [publicKeyFromPem(await readFile(flags["public-key"], "utf8"))] : [];
      const result = verifyAuditTrail(parseAuditNdjson(text), { publicKeys: keys });
      if (ctx.json) return (printJson(ctx, result), result.ok ? 0 : 1);
      if (result.ok) {
        ctx.output.out(
          `audit trail verifies: ${result.count} records, ${result.checkpoints} signed checkpoints${keys.length === 0 ? " (signatures not checked: no --public-key)" : ""}`,
        );
        return 0;
      }
      ctx.output.err(
        `audit trail FAILS at record ${result.index + 1} (seq ${result.seq ?? "?"}): ${result.reason}`,
      );
      return 1;
    }
    default:
      ctx.output.err(USAGE);
      return 2;
  }
}
