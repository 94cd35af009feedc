import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import { CausewayError, type Logger } from "@causeway/runtime";
import { FAULT_KINDS, type FaultController, type FaultKind, type FaultRequest } from "./fault-controller.js";

const MAX_BODY_BYTES = 16 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new CausewayError("CW_PAYLOAD_TOO_LARGE", `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch {
    throw new CausewayError("CW_BAD_REQUEST", "the body must be a JSON object");
  }
}

function faultRequest(body: Record<string, unknown>): FaultRequest {
  const str = (k: string): string | undefined => {
    const v = body[k];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "")
      throw new CausewayError("CW_BAD_REQUEST", `${k} must be a service name`);
    return v;
  };
  const percent = body.percent;
  if (percent !== undefined && (typeof percent !== "number" || !Number.isFinite(percent)))
    throw new CausewayError("CW_BAD_REQUEST", "percent must be a number");
  const service = str("service");
  const from = str("from");
  return {
    ...(service ? { service } : {}),
    ...(from ? { from } : {}),
    ...(percent !== undefined ? { percent: percent as number } : {}),
  };
}

/**
 * The running stack's control endpoint, on loopback only: `GET /status`, `POST /faults/{kind}`
 * (`{"service","from","percent"}`), `DELETE /faults` and `DELETE /faults/{kind}`. Errors are
 * `{"error":{"code","message"}}` with the codes of docs/errors.md.
 */
export function createControlServer(options: {
  readonly faults: FaultController | undefined;
  readonly status: () => unknown;
  readonly log: Logger;
}): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://control");
      const parts = url.pathname.split("/").filter((p) => p !== "");
      try {
        if (req.method === "GET" && url.pathname === "/status") return send(res, 200, options.status());
        if (parts[0] !== "faults" || parts.length > 2)
          throw new CausewayError("CW_NOT_FOUND", `no route ${url.pathname}`);
        const faults = options.faults;
        if (!faults)
          throw new CausewayError(
            "CW_UNAVAILABLE",
            "the demo application is not running (--demo.enabled=false)",
          );
        const kind = parts[1] as FaultKind | undefined;
        if (kind !== undefined && !FAULT_KINDS.includes(kind))
          throw new CausewayError(
            "CW_NOT_FOUND",
            `unknown fault ${JSON.stringify(kind)}; one of ${FAULT_KINDS.join(", ")}`,
          );
        if (req.method === "GET") return send(res, 200, { faults: faults.active() });
        if (req.method === "POST" && kind)
          return send(res, 200, { fault: await faults.inject(kind, faultRequest(await readJson(req))) });
        if (req.method === "DELETE") return send(res, 200, { cleared: await faults.clear(kind) });
        throw new CausewayError("CW_BAD_REQUEST", `${req.method ?? "?"} is not allowed on ${url.pathname}`);
      } catch (error) {
        if (error instanceof CausewayError) return send(res, error.httpStatus, error.toJSON());
        options.log.error({ err: (error as Error).message }, "control request failed");
        send(
          res,
          500,
          new CausewayError("CW_INTERNAL", "internal error; see the local stack's log").toJSON(),
        );
      }
    })();
  });
}

/** Listens on 127.0.0.1:`port` (0 picks one); resolves with the port. */
export async function listenControl(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
