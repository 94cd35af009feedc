import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createGunzip } from "node:zlib";
import { decodeJson, decodeProtobufRequest } from "./decode.js";
import { OtlpDecodeError } from "./otlp-decode-error.js";
import { encodeExportResponse, exportResponseJson, type Signal } from "./otlp-proto.js";
import { type OtlpReceiver } from "./receiver.js";
import { encodeStatus } from "./rpc-status.js";

const PATHS: Readonly<Record<string, Signal>> = {
  "/v1/traces": "traces",
  "/v1/metrics": "metrics",
  "/v1/logs": "logs",
};

export interface OtlpHttpServerOptions {
  readonly receiver: OtlpReceiver;
  /** Largest body accepted, after decompression; larger ones get 413. */
  readonly maxBodyBytes: number;
}

class BodyTooLarge extends Error {}

/** Reads the body, gunzipping if needed, refusing beyond `max` bytes (also after inflation). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "gzip" && encoding !== "identity") {
      reject(new OtlpDecodeError(`unsupported Content-Encoding ${encoding}`));
      return;
    }
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > max) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    const source = encoding === "gzip" ? req.pipe(createGunzip()) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    source.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        source.destroy();
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    // A body that came in one chunk is used as it is, not copied.
    source.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    source.on("error", (e) =>
      reject(e instanceof BodyTooLarge ? e : new OtlpDecodeError(`cannot read the body: ${e.message}`)),
    );
  });
}

function sendError(
  res: ServerResponse,
  json: boolean,
  httpStatus: number,
  grpcCode: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = json ? JSON.stringify({ code: grpcCode, message }) : encodeStatus(grpcCode, message);
  res.writeHead(httpStatus, {
    "content-type": json ? "application/json" : "application/x-protobuf",
    ...headers,
  });
  res.end(body);
}

/** OTLP/HTTP on one server: POST /v1/traces, /v1/metrics, /v1/logs in protobuf or JSON, gzip or not. */
export function createOtlpHttpServer(options: OtlpHttpServerOptions): Server {
  const { receiver, maxBodyBytes } = options;
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const signal = PATHS[path];
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const json = contentType === "application/json";
    if (!signal) {
      sendError(res, json, 404, 5, `no OTLP endpoint at ${path}`);
      req.resume();
      return;
    }
    if (req.method !== "POST") {
      sendError(res, json, 405, 12, "OTLP endpoints accept POST only", { allow: "POST" });
      req.resume();
      return;
    }
    if (!json && contentType !== "application/x-protobuf") {
      sendError(res, false, 415, 3, `unsupported Content-Type ${contentType || "(none)"}`);
      req.resume();
      return;
    }
    const declared = Number(req.headers["content-length"] ?? "0") || 0;
    const reserve = Math.max(declared, 1024);
    if (!receiver.admit(reserve)) {
      const seconds = Math.max(1, Math.ceil(receiver.retryAfterMs / 1000));
      sendError(res, json, 503, 14, "receiver overloaded; retry later", { "retry-after": String(seconds) });
      req.resume();
      return;
    }
    readBody(req, maxBodyBytes)
      .then((body) => {
        const decoded = json
          ? decodeJson(signal, body.toString("utf8"))
          : decodeProtobufRequest(signal, body);
        const peer = req.socket.remoteAddress?.replace(/^::ffff:/, "");
        const result = receiver.ingest(decoded, peer);
        res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
        res.end(
          json
            ? exportResponseJson(signal, result.rejected, result.errorMessage)
            : Buffer.from(encodeExportResponse(signal, result.rejected, result.errorMessage)),
        );
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLarge) {
          receiver.stats.tooLarge++;
          sendError(res, json, 413, 8, `body exceeds ${maxBodyBytes} bytes`, { connection: "close" });
        } else if (error instanceof OtlpDecodeError) {
          receiver.stats.malformed++;
          sendError(res, json, 400, 3, error.message);
        } else {
          sendError(res, json, 500, 13, "internal error");
        }
      })
      .finally(() => receiver.release(reserve));
  });
}

/** Listens on `host:port` (0 for any) and resolves with the bound port. */
export function listenHttp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
