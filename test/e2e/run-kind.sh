#!/usr/bin/env bash
# Kind e2e: create a cluster, build and load the images, install the chart, run test/e2e/kind.e2e.ts.
# Needs docker, kind, kubectl and helm. Does not run on the development machines (no docker there).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
CLUSTER=${CAUSEWAY_KIND_CLUSTER:-causeway-e2e}
NS=causeway-system
KEEP=${CAUSEWAY_E2E_KEEP:-0}

for bin in docker kind kubectl helm; do
  command -v "$bin" >/dev/null || { echo "run-kind.sh: $bin not found on PATH" >&2; exit 2; }
done

cleanup() {
  if [ "$KEEP" != "1" ]; then kind delete cluster --name "$CLUSTER" || true; fi
}
trap cleanup EXIT

kind create cluster --name "$CLUSTER" --config deploy/kind/cluster.yaml --wait 0s
# Calico enforces NetworkPolicies (kindnet does not).
kubectl apply -f https://raw.githubusercontent.com/projectcalico/calico/v3.28.2/manifests/calico.yaml
kubectl -n kube-system rollout status daemonset/calico-node --timeout=300s

for c in agent mediator executor; do
  docker build -f "deploy/docker/$c/Dockerfile" -t "causeway.local/causeway-$c:e2e" .
  kind load docker-image --name "$CLUSTER" "causeway.local/causeway-$c:e2e"
done

kubectl create namespace "$NS"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=privileged pod-security.kubernetes.io/warn=restricted
helm install causeway charts/causeway -n "$NS" -f deploy/kind/e2e-values.yaml --wait --timeout 10m

CA=$(mktemp)
kubectl -n "$NS" get secret causeway-tls -o jsonpath='{.data.ca\.crt}' | base64 -d > "$CA"

status=0
CAUSEWAY_E2E_KIND=1 NODE_EXTRA_CA_CERTS="$CA" pnpm vitest run --config test/e2e/vitest.config.ts --root "$ROOT" || status=$?
if [ $status -ne 0 ]; then
  kubectl get pods -A -o wide || true
  kubectl -n "$NS" logs deployment/causeway-mediator --tail=200 || true
  kubectl -n "$NS" logs daemonset/causeway-agent --tail=200 || true
fi
exit $status
