import { createHash } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { type IncomingMessage, type ServerResponse } from "node:http";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { CausewayError, type ErrorCode } from "@causeway/runtime";
import { contentTypeOf, isCompressible } from "./content-types.js";

/**
 * Where the built single-page app lives: `dist/app` of this package (the same path from `src/` under
 * tests and from `dist/` at run time).
 */
export const UI_ASSETS_DIR: string = fileURLToPath(new URL("../../dist/app/", import.meta.url));

/** Vite names bundled files `name-<hash>.ext` under assets/: their content never changes. */
const IMMUTABLE_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const MAX_ASSET_BYTES = 16 * 1024 * 1024;
const MIN_GZIP_BYTES = 1024;

/** Same-origin only: the app talks to the API that served it and loads nothing from elsewhere. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface UiHandlerOptions {
  /** The built app; default {@link UI_ASSETS_DIR}. */
  readonly assetsDir?: string;
  /** The path the UI is mounted at; default "/ui". */
  readonly mountPath?: string;
}

/** Handles a request when its path is the UI's; returns false, untouched, for every other path. */
export type UiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

interface Asset {
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, head: boolean): void {
  const error = new CausewayError(code, message);
  const body = JSON.stringify(error.toJSON());
  res.writeHead(error.httpStatus, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(head ? undefined : body);
}

function makeAsset(body: Buffer, relPath: string): Asset {
  const contentType = contentTypeOf(relPath);
  return {
    body,
    gzipped: isCompressible(contentType) && body.length >= MIN_GZIP_BYTES ? gzipSync(body) : undefined,
    contentType,
    etag: `W/"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
    cacheControl: IMMUTABLE_ASSET.test(relPath) ? "public, max-age=31536000, immutable" : "no-cache",
  };
}

/**
 * Serves the built web UI under `/ui`: `index.html` for `/ui/`, the bundle's files with their
 * content types under `/ui/...`. Hashed bundle files are cached for a year, everything else is
 * revalidated by ETag. Paths are decoded once and must stay inside the assets directory (no `..`,
 * no encoded separators, no symlinks out); anything else, or a missing file, is a 404 JSON error.
 * Files are read once and kept in memory with their gzip form, as the bundle is small and fixed.
 *
 * `/ui` itself is answered with `index.html` carrying `<base href="ui/">`, so its relative asset and
 * API URLs resolve as under `/ui/`, also behind a path prefix (`kubectl proxy`, an ingress).
 */
export function createUiHandler(options: UiHandlerOptions = {}): UiHandler {
  const assetsDir = options.assetsDir ?? UI_ASSETS_DIR;
  const mount = (options.mountPath ?? "/ui").replace(/\/+$/, "");
  const cache = new Map<string, Asset>();
  let realRoot: string | undefined;

  const load = (relPath: string): Asset | undefined => {
    const cached = cache.get(relPath);
    if (cached) return cached;
    try {
      realRoot ??= realpathSync(assetsDir);
      const real = realpathSync(join(realRoot, relPath));
      if (!real.startsWith(realRoot + sep)) return undefined;
      const stat = statSync(real);
      if (!stat.isFile() || stat.size > MAX_ASSET_BYTES) return undefined;
      const asset = makeAsset(readFileSync(real), relPath);
      cache.set(relPath, asset);
      return asset;
    } catch {
      return undefined;
    }
  };

  const loadRootIndex = (): Asset | undefined => {
    const key = "\u0000root-index";
    const cached = cache.get(key);
    if (cached) return cached;
    const index = load("index.html");
    if (!index) return undefined;
    const html = index.body.toString("utf8").replace(/<head>/i, '<head><base href="ui/">');
    const asset = makeAsset(Buffer.from(html, "utf8"), "index.html");
    cache.set(key, asset);
    return asset;
  };

  return (req, res) => {
    const rawPath = (req.url ?? "/").split("?")[0] ?? "/";
    if (rawPath !== mount && !rawPath.startsWith(`${mount}/`)) return false;
    const method = req.method ?? "GET";
    const head = method === "HEAD";
    if (method !== "GET" && !head) {
      sendError(res, "CW_NOT_FOUND", `no ${method} route at ${rawPath}`, false);
      return true;
    }
    let asset: Asset | undefined;
    let relPath: string;
    if (rawPath === mount) {
      relPath = "index.html";
      asset = loadRootIndex();
    } else {
      let decoded: string;
      try {
        decoded = decodeURIComponent(rawPath.slice(mount.length + 1));
      } catch {
        sendError(res, "CW_BAD_REQUEST", "the path is not valid percent-encoding", head);
        return true;
      }
      relPath = decoded === "" ? "index.html" : decoded;
      const segments = relPath.split("/");
      const unsafe =
        relPath.includes("\\") ||
        relPath.includes("\u0000") ||
        segments.some((s) => s === "" || s === "." || s === "..") ||
        segments.some((s) => s.startsWith("."));
      asset = unsafe ? undefined : load(relPath);
    }
    if (!asset) {
      sendError(res, "CW_NOT_FOUND", `no UI asset at ${rawPath}`, head);
      return true;
    }
    const headers: Record<string, string | number> = {
      "content-type": asset.contentType,
      "cache-control": asset.cacheControl,
      etag: asset.etag,
      vary: "accept-encoding",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (relPath === "index.html") {
      headers["content-security-policy"] = CONTENT_SECURITY_POLICY;
      headers["x-frame-options"] = "DENY";
    }
    const ifNoneMatch = req.headers["if-none-match"];
    if (ifNoneMatch !== undefined && ifNoneMatch.split(",").some((t) => t.trim() === asset.etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const acceptsGzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = acceptsGzip && asset.gzipped ? asset.gzipped : asset.body;
    if (body === asset.gzipped) headers["content-encoding"] = "gzip";
    headers["content-length"] = body.length;
    res.writeHead(200, headers);
    res.end(head ? undefined : body);
    return true;
  };
}
