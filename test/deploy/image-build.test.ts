// The container images cannot be built here (no Docker engine), so this runs what their build
// stages run, from a build context made the way `docker build .` makes it (.dockerignore applied):
// each Dockerfile's RUN line that builds its service, then the built service is started from the
// output alone. A Dockerfile whose build step stops producing a runnable service fails here.
import { execFile, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { HELPER_EXIT_CODES } from "@causeway/ebpf-helper";
import { checkBtf, findFreePort, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, describe, expect, it } from "vitest";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const run = promisify(execFile);
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What `COPY` puts in the build stage: the files git would check out, minus .dockerignore's. */
function buildContext(paths: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "causeway-image-"));
  dirs.push(dir);
  const ignored = readFileSync(join(repo, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const files = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...paths],
    {
      cwd: repo,
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter((f) => f !== "" && existsSync(join(repo, f)));
  const dropped = (f: string) =>
    ignored.some((pattern) => {
      const bare = pattern.replace(/^\*\*\//, "");
      return pattern.startsWith("**/") ? f.split("/").includes(bare) : f === bare || f.startsWith(`${bare}/`);
    });
  for (const f of files.filter((f) => !dropped(f))) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(repo, f), join(dir, f));
  }
  return dir;
}

/** The Dockerfile's RUN line that builds the service into /out, with its environment. */
function buildStep(service: string): string {
  const dockerfile = readFileSync(join(repo, "deploy", "docker", service, "Dockerfile"), "utf8");
  const line = dockerfile.split("\n").find((l) => l.startsWith("RUN ") && l.includes("build-package.sh"));
  if (!line?.startsWith("RUN "))
    throw new Error(`deploy/docker/${service}/Dockerfile has no build-package.sh step`);
  expect(line).toContain(`@causeway/${service} /out`);
  return line.slice("RUN ".length);
}

const BASE = ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", "turbo.json", "tsconfig.base.json"];

async function buildImage(service: string): Promise<string> {
  const context = buildContext([...BASE, "packages", "deploy/docker/build-package.sh"]);
  const out = join(context, "out");
  await run("sh", ["-c", buildStep(service).replace(" /out", ` ${out}`)], {
    cwd: context,
    maxBuffer: 64 * 1024 * 1024,
  });
  return out;
}

async function configErrorOf(
  out: string,
  args: readonly string[],
): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [join(out, "dist", "cli", "main.js"), ...args], {
      cwd: out,
      timeout: 20_000,
    });
    return { code: 0, stderr: "" };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? "" };
  }
}

describe("container image build steps (run without a Docker engine)", () => {
  it("the mediator image's build output serves its API and UI from dist alone", async () => {
    const out = await buildImage("mediator");
    const data = join(out, "..", "data");
    const port = await findFreePort();
    const mediator = spawn(
      process.execPath,
      [
        "dist/cli/main.js",
        `--dataDir=${data}`,
        "--kube.enabled=false",
        "--auth.enabled=false",
        "--grpc.port=0",
        "--otlp.grpc.port=0",
        "--otlp.http.port=0",
        "--http.host=127.0.0.1",
        `--http.port=${port}`,
      ],
      { cwd: out, stdio: "ignore" },
    );
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok || undefined,
        { what: "the built mediator to be ready", timeoutMs: 30_000 },
      );
      const ui = await fetch(`http://127.0.0.1:${port}/ui/`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain("<!doctype html>");
    } finally {
      mediator.kill("SIGTERM");
    }
  });

  it("the executor image's build output loads every module and checks its configuration", async () => {
    const out = await buildImage("executor");
    const answer = await configErrorOf(out, ["--mediatorHttpUrl=http://mediator:8080"]);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain("invalid executor configuration");
  });

  it("the agent image's build output loads every module and checks its configuration", async () => {
    const out = await buildImage("agent");
    expect(existsSync(join(out, "node_modules", "@causeway", "ebpf-helper", "dist", "index.js"))).toBe(true);
    const answer = await configErrorOf(out, ["--intervalMs=-5"]);
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toContain("invalid agent configuration");
  });

  it.skipIf(skipUnless("agent image helper stage", checkBtf()))(
    "the agent image's helper stage compiles the eBPF helper from its native sources alone",
    async () => {
      const context = buildContext(["packages/ebpf-helper/native"]);
      const workdir = join(context, "packages", "ebpf-helper");
      await run("make", ["-C", "native"], { cwd: workdir, maxBuffer: 16 * 1024 * 1024 });
      const helper = join(workdir, "build", "causeway-helper");
      expect(existsSync(helper)).toBe(true);
      const usage = await run(helper, ["--interval-ms", "5"]).catch((e: { code?: number }) => e);
      expect((usage as { code?: number }).code).toBe(HELPER_EXIT_CODES.usage);
    },
  );
});
