// Runs one benchmark: `node bench/run.mjs <name> [args]` executes bench/<name>/main.ts with tsx
// against the workspace sources and checks that its last line is key=value figures.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error("usage: node bench/run.mjs <name> [args...]");
  process.exit(2);
}
const entry = join(here, name, "main.ts");
if (!existsSync(entry)) {
  console.error(`no benchmark at ${entry}`);
  process.exit(2);
}
const lines = [];
const child = spawn(
  process.execPath,
  ["--conditions=source", "--import", "tsx", "--expose-gc", entry, ...args],
  { stdio: ["inherit", "pipe", "inherit"], cwd: join(here, "..") },
);
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  lines.push(
    ...chunk
      .toString()
      .split("\n")
      .filter((l) => l.trim() !== ""),
  );
});
child.on("exit", (code) => {
  const last = lines.at(-1) ?? "";
  if (code === 0 && !/^(\S+=\S+)( \S+=\S+)*$/.test(last.trim())) {
    console.error(`benchmark ${name}: last line is not key=value figures: ${JSON.stringify(last)}`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
