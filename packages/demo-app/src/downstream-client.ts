import { request } from "node:http";
import { SpanKind, SpanStatusCode, context, trace, type Context, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { type DownstreamCall } from "./catalog.js";
import { type ServiceDirectory } from "./service-directory.js";

const propagator = new W3CTraceContextPropagator();

/** How a downstream call ended. */
export interface CallResult {
  readonly ok: boolean;
  /** HTTP status, or 0 when no answer came (no endpoint, refused, timed out). */
  readonly status: number;
  readonly error?: string;
}

/**
 * Calls one downstream service as `parent`'s child: a CLIENT span naming the callee
 * (`peer.service`), W3C trace context in the headers so the callee's SERVER span joins the trace.
 */
export function callDownstream(options: {
  readonly tracer: Tracer;
  readonly directory: ServiceDirectory;
  readonly namespace: string;
  readonly call: DownstreamCall;
  readonly parent: Context;
  readonly timeoutMs: number;
}): Promise<CallResult> {
  const { tracer, call } = options;
  const host = `${call.service}.${options.namespace}.svc.cluster.local`;
  const span = tracer.startSpan(
    `${call.method} ${call.path}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "http.request.method": call.method,
        "url.path": call.path,
        "server.address": host,
        "peer.service": call.service,
      },
    },
    options.parent,
  );
  const finish = (result: CallResult): CallResult => {
    if (result.status > 0) span.setAttribute("http.response.status_code", result.status);
    if (!result.ok)
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? `HTTP ${result.status}` });
    span.end();
    return result;
  };
  const endpoint = options.directory.pick(options.namespace, call.service);
  if (!endpoint) {
    // The directory may be older than the service (a fresh start): read it again for the next call.
    void options.directory.refresh();
    return Promise.resolve(finish({ ok: false, status: 0, error: `no ready endpoint of ${host}` }));
  }
  span.setAttribute("network.peer.address", endpoint.ip);
  span.setAttribute("network.peer.port", endpoint.port);
  const headers: Record<string, string> = { host, "content-length": "0" };
  propagator.inject(trace.setSpan(context.active(), span), headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: CallResult): void => {
      if (settled) return;
      settled = true;
      resolve(finish(result));
    };
    const req = request(
      { host: endpoint.ip, port: endpoint.port, method: call.method, path: call.path, headers, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          done({
            ok: status < 400,
            status,
            ...(status >= 400 ? { error: `HTTP ${status} from ${host}` } : {}),
          });
        });
        res.on("error", (error) => done({ ok: false, status, error: error.message }));
      },
    );
    const status = 0;
    req.setTimeout(options.timeoutMs, () => {
      req.destroy(new Error(`${host} did not answer within ${options.timeoutMs} ms`));
    });
    req.on("error", (error) => done({ ok: false, status, error: error.message }));
    req.end();
  });
}
