#!/usr/bin/env bash
# Runs the build again and fails unless every task came from turbo's cache.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(pnpm exec turbo run build --output-logs=none 2>&1)
echo "$out" | tail -n 4
summary=$(echo "$out" | grep -E "Cached: +[0-9]+ cached, [0-9]+ total" || true)
cached=$(echo "$summary" | sed -E 's/.*Cached: +([0-9]+) cached, ([0-9]+) total.*/\1/')
total=$(echo "$summary" | sed -E 's/.*Cached: +([0-9]+) cached, ([0-9]+) total.*/\2/')
if [ -z "$summary" ] || [ "$cached" != "$total" ]; then
  echo "second build was not a full cache hit (${cached:-?} of ${total:-?} cached)" >&2
  exit 1
fi
echo "second build: $cached of $total tasks cached"
