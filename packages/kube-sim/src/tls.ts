import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A CA and a server certificate signed by it, PEM encoded. */
export interface ServingCertificate {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Creates a throw-away CA and a serving certificate for the given host names and IPs with the
 * openssl command-line tool (ECDSA P-256, one year), as a cluster's bootstrap would.
 */
export async function createServingCertificate(
  hosts: readonly string[] = ["127.0.0.1", "localhost"],
  openssl = "openssl",
): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), "kube-sim-tls-"));
  try {
    const p = (f: string) => join(dir, f);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await run(openssl, [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      p("ca.key"),
      "-out",
      p("ca.crt"),
      "-days",
      "365",
      "-subj",
      "/CN=kube-sim-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    await run(openssl, [
      "req",
      ...ec,
      "-keyout",
      p("server.key"),
      "-out",
      p("server.csr"),
      "-subj",
      "/CN=kube-apiserver",
    ]);
    const san = [...new Set([...hosts, "kubernetes", "kubernetes.default", "kubernetes.default.svc"])]
      .map((h) => (/^[\d.]+$/.test(h) || h.includes(":") ? `IP:${h}` : `DNS:${h}`))
      .join(",");
    await writeFile(
      p("ext.cnf"),
      `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n`,
    );
    await run(openssl, [
      "x509",
      "-req",
      "-in",
      p("server.csr"),
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-out",
      p("server.crt"),
      "-days",
      "365",
      "-extfile",
      p("ext.cnf"),
    ]);
    const [caCert, cert, key] = await Promise.all([
      readFile(p("ca.crt"), "utf8"),
      readFile(p("server.crt"), "utf8"),
      readFile(p("server.key"), "utf8"),
    ]);
    return { caCert, cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
