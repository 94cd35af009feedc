import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

describe("createLogger", () => {
  it("redacts secrets wherever they appear", async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ component: "test", destination });
    log.info({ token: "s3cr3t-token", req: { headers: { authorization: "Bearer abc.def" } } }, "hello");
    await new Promise((r) => setImmediate(r));
    const line = chunks.join("");
    expect(line).toContain('"component":"test"');
    expect(line).not.toContain("s3cr3t-token");
    expect(line).not.toContain("abc.def");
  });
});
