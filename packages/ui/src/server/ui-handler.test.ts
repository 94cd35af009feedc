import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUiHandler } from "./ui-handler.js";

let dir: string;
let outside: string;
let server: Server;
let base: string;
const INDEX =
  '<!doctype html><html><head><script type="module" src="./assets/index-AbCdEfGh12.js"></script></head><body></body></html>';
const BUNDLE = `console.log(${JSON.stringify("x".repeat(4000))});`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request, so that paths reach the server exactly as written (fetch would normalise `..`). */
function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-ui-assets-"));
  outside = await mkdtemp(join(tmpdir(), "causeway-ui-outside-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "index.html"), INDEX);
  await writeFile(join(dir, "assets", "index-AbCdEfGh12.js"), BUNDLE);
  await writeFile(join(dir, "assets", "style-ZZZZ1111.css"), "body{color:red}");
  await writeFile(join(dir, "robots.txt"), "User-agent: *\n");
  await writeFile(join(dir, ".env"), "SECRET=1");
  await writeFile(join(outside, "secret.txt"), "top secret");
  await symlink(join(outside, "secret.txt"), join(dir, "assets", "link.txt"));
  const ui = createUiHandler({ assetsDir: dir });
  server = createServer((req, res) => {
    if (ui(req, res)) return;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("api");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe("createUiHandler", () => {
  it("serves index.html for /ui/ with a strict CSP and revalidation, and with a base for /ui", async () => {
    const slash = await get("/ui/");
    expect(slash.status).toBe(200);
    expect(slash.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(slash.headers["cache-control"]).toBe("no-cache");
    expect(slash.headers["content-security-policy"]).toContain("connect-src 'self'");
    expect(slash.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(slash.headers["x-content-type-options"]).toBe("nosniff");
    expect(slash.body.toString()).toBe(INDEX);

    const bare = await get("/ui?x=1");
    expect(bare.status).toBe(200);
    // Relative URLs on /ui would resolve against "/": the base makes them resolve under /ui/.
    expect(bare.body.toString()).toContain('<head><base href="ui/">');
    expect((await get("/ui/index.html")).body.toString()).toBe(INDEX);
  });

  it("serves hashed bundle files as immutable with their content types, gzipped when asked", async () => {
    const plain = await get("/ui/assets/index-AbCdEfGh12.js");
    expect(plain.status).toBe(200);
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(BUNDLE);

    const gz = await get("/ui/assets/index-AbCdEfGh12.js", { "accept-encoding": "gzip, br" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toBe("accept-encoding");
    expect(Number(gz.headers["content-length"])).toBeLessThan(BUNDLE.length);
    expect(gunzipSync(gz.body).toString()).toBe(BUNDLE);

    const css = await get("/ui/assets/style-ZZZZ1111.css");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    const txt = await get("/ui/robots.txt");
    expect(txt.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(txt.headers["cache-control"]).toBe("no-cache");
  });

  it("answers a matching If-None-Match with 304 and HEAD without a body", async () => {
    const first = await get("/ui/");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await get("/ui/", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await get("/ui/assets/index-AbCdEfGh12.js", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBe(BUNDLE.length);
    expect(head.body.length).toBe(0);
  });

  it("refuses traversal, hidden files, symlinks out and unknown assets with a 404 JSON error", async () => {
    for (const path of [
      "/ui/../package.json",
      "/ui/assets/../../etc/passwd",
      "/ui/%2e%2e/%2e%2e/etc/passwd",
      "/ui/assets%2f..%2f..%2fsecret",
      "/ui/..%5c..%5cwindows",
      "/ui/.env",
      "/ui/assets/link.txt",
      "/ui/assets/",
      "/ui/assets",
      "/ui/nope.js",
      "/ui/a%00b",
    ]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers["content-type"], path).toBe("application/json");
      expect(JSON.parse(answer.body.toString()), path).toMatchObject({ error: { code: "CW_NOT_FOUND" } });
      expect(answer.body.toString(), path).not.toContain("top secret");
    }
    const bad = await get("/ui/%E0%A4%A");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ error: { code: "CW_BAD_REQUEST" } });
  });

  it("refuses other methods and leaves every other path to the next handler", async () => {
    const post = await get("/ui/", {}, "POST");
    expect(post.status).toBe(404);
    expect(JSON.parse(post.body.toString())).toMatchObject({ error: { code: "CW_NOT_FOUND" } });
    for (const path of ["/", "/uix", "/api/v1/topology", "/u", "/metrics"]) {
      const answer = await get(path);
      expect(answer.body.toString(), path).toBe("api");
    }
  });

  it("answers 404 JSON for everything when the app is not built", async () => {
    const handler = createUiHandler({ assetsDir: join(dir, "missing") });
    const missing = createServer((req, res) => {
      if (!handler(req, res)) res.end("api");
    });
    await new Promise<void>((resolve) => missing.listen(0, "127.0.0.1", resolve));
    const address = missing.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const res = await fetch(`http://127.0.0.1:${port}/ui/`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "CW_NOT_FOUND" } });
    await new Promise((resolve) => missing.close(resolve));
  });
});
