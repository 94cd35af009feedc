// Pod Security Standards "restricted" profile checks (the subset relevant to pod templates),
// after https://kubernetes.io/docs/concepts/security/pod-security-standards/.
type Json = Record<string, unknown>;

const ALLOWED_VOLUME_KEYS = new Set([
  "name",
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

function obj(v: unknown): Json {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
}
function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

/** Returns the list of violations of the restricted profile; empty when the pod spec complies. */
export function restrictedViolations(podSpec: Json): string[] {
  const out: string[] = [];
  const podSc = obj(podSpec.securityContext);
  if (podSpec.hostNetwork === true) out.push("hostNetwork");
  if (podSpec.hostPID === true) out.push("hostPID");
  if (podSpec.hostIPC === true) out.push("hostIPC");
  for (const v of arr(podSpec.volumes)) {
    for (const key of Object.keys(v)) {
      if (!ALLOWED_VOLUME_KEYS.has(key)) out.push(`volume ${String(v.name)} uses ${key}`);
    }
  }
  const podSeccomp = obj(podSc.seccompProfile).type;
  const containers = [
    ...arr(podSpec.initContainers),
    ...arr(podSpec.containers),
    ...arr(podSpec.ephemeralContainers),
  ];
  if (containers.length === 0) out.push("no containers");
  for (const c of containers) {
    const name = String(c.name);
    const sc = obj(c.securityContext);
    if (sc.privileged === true) out.push(`${name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation must be false`);
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (runAsNonRoot !== true) out.push(`${name}: runAsNonRoot must be true`);
    const runAsUser = sc.runAsUser ?? podSc.runAsUser;
    if (runAsUser === 0) out.push(`${name}: runAsUser 0`);
    const seccomp = obj(sc.seccompProfile).type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${name}: seccompProfile must be RuntimeDefault or Localhost`);
    const caps = obj(sc.capabilities);
    const drop = arr(caps.drop) as unknown as string[];
    if (!drop.includes("ALL")) out.push(`${name}: capabilities must drop ALL`);
    const add = arr(caps.add) as unknown as string[];
    for (const a of add) if (a !== "NET_BIND_SERVICE") out.push(`${name}: adds capability ${a}`);
    for (const p of arr(c.ports))
      if (p.hostPort !== undefined && p.hostPort !== 0) out.push(`${name}: hostPort`);
    if (sc.procMount !== undefined && sc.procMount !== "Default") out.push(`${name}: procMount`);
  }
  return out;
}
