import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrameDecoder } from "./frame-decoder.js";
import { nativeSourceDir } from "./helper-path.js";
import { CW_CONSTANTS, RECORD_LAYOUTS, type StructLayout } from "./layout.js";

// Compiles small C programs against native/causeway.h: one prints the real offsets and sizes of
// every field in RECORD_LAYOUTS (a field missing from the header fails to compile), the other
// writes records filled by C so the decoder reads bytes the compiler laid out.

const layouts: [string, StructLayout][] = Object.entries(RECORD_LAYOUTS);
let dir: string;

function compileAndRun(name: string, source: string): Buffer {
  const file = join(dir, `${name}.c`);
  writeFileSync(file, source);
  execFileSync("cc", [
    "-std=gnu11",
    "-Wall",
    "-Werror",
    "-I",
    nativeSourceDir(),
    file,
    "-o",
    join(dir, name),
  ]);
  return execFileSync(join(dir, name));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cw-layout-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("layout table against causeway.h", () => {
  it("matches every offset, size, record type and constant of the C header", () => {
    const lines: string[] = [];
    for (const [struct, layout] of layouts) {
      lines.push(`printf("%s size %zu\\n", "${struct}", sizeof(struct ${struct}));`);
      lines.push(`printf("%s type %d\\n", "${struct}", (int)${layout.typeConstant});`);
      for (const field of Object.keys(layout.fields)) {
        lines.push(
          `printf("%s.%s %zu %zu\\n", "${struct}", "${field}", offsetof(struct ${struct}, ${field}), sizeof(((struct ${struct} *)0)->${field}));`,
        );
      }
    }
    for (const name of Object.keys(CW_CONSTANTS))
      lines.push(`printf("const ${name} %d\\n", (int)(${name}));`);
    const source = `#include <stddef.h>\n#include <stdio.h>\n#include <linux/types.h>\n#include "causeway.h"\nint main(void) {\n${lines.join("\n")}\nreturn 0;\n}\n`;
    const actual = compileAndRun("offsets", source).toString("utf8").trim().split("\n");

    const expected: string[] = [];
    for (const [struct, layout] of layouts) {
      expected.push(`${struct} size ${layout.size}`, `${struct} type ${layout.type}`);
      for (const [field, f] of Object.entries(layout.fields))
        expected.push(`${struct}.${field} ${f.offset} ${f.size}`);
    }
    for (const [name, value] of Object.entries(CW_CONSTANTS)) expected.push(`const ${name} ${value}`);
    expect(actual).toEqual(expected);
  });

  it("accounts for every byte of each record (no field of the header left out)", () => {
    for (const [struct, layout] of layouts) {
      const fields = Object.values(layout.fields).sort((a, b) => a.offset - b.offset);
      let next = 0;
      for (const f of fields) {
        expect(f.offset, `${struct}: gap or overlap before offset ${f.offset}`).toBe(next);
        next = f.offset + f.size;
      }
      expect(next, `${struct}: fields end before the struct does`).toBe(layout.size);
    }
  });

  it("decodes records that C code filled in", () => {
    const source = `#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include "causeway.h"
static void frame(const void *p, __u32 n) { fwrite(&n, 4, 1, stdout); fwrite(p, n, 1, stdout); }
int main(void) {
  struct cw_process_exit ex = { .type = CW_REC_PROCESS_EXIT, .pid = 4242, .ts_ns = 99, .cgroup_id = 0x1122334455ull, .ppid = 7, .exit_code = 0x8b };
  strcpy(ex.comm, "crasher");
  frame(&ex, sizeof(ex));
  struct cw_tcp_connect c6 = { .type = CW_REC_TCP_CONNECT, .pid = 5, .cgroup_id = 77, .family = 10, .sport = 40000, .dport = 8080, .result = CW_CONNECT_FAILED };
  inet_pton(AF_INET6, "fd00::1", c6.saddr); inet_pton(AF_INET6, "2001:db8:0:1::2", c6.daddr);
  frame(&c6, sizeof(c6));
  struct cw_cgroup_counters cc = { .type = CW_REC_CGROUP_COUNTERS, .cgroup_id = 3, .runq_delay_sum_ns = 123456, .runq_delay_count = 10, .tcp_active = -1, .tcp_listening = 2 };
  cc.runq_delay_hist[CW_RUNQ_SLOTS - 1] = 9;
  frame(&cc, sizeof(cc));
  return 0;
}
`;
    const bytes = compileAndRun("records", source);
    const decoder = new FrameDecoder();
    // one byte at a time: frames cut anywhere must still decode
    const outputs = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(decoder.bufferedBytes).toBe(0);
    expect(outputs.map((o) => (o.ok ? o.record : o))).toEqual([
      {
        kind: "process-exit",
        pid: 4242,
        ppid: 7,
        tsNs: 99n,
        cgroupId: 0x1122334455n,
        rawExitCode: 0x8b,
        exitStatus: null,
        signal: 11,
        coreDumped: true,
        comm: "crasher",
      },
      {
        kind: "tcp-connect",
        ok: false,
        pid: 5,
        tsNs: 0n,
        cgroupId: 77n,
        family: 6,
        source: { address: "fd00::1", port: 40000 },
        destination: { address: "2001:db8:0:1::2", port: 8080 },
      },
      expect.objectContaining({
        kind: "cgroup-counters",
        cgroupId: 3n,
        runqDelaySumNs: 123456,
        runqDelayCount: 10,
        runqDelayHistogram: [...Array<number>(15).fill(0), 9],
        tcpActive: -1,
        tcpListening: 2,
      }),
    ]);
  });
});
