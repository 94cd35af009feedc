#!/usr/bin/env bash
# The README's main command: sets up this machine, builds, and runs the local stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PATH:$PWD/.local/bin"
pnpm build --output-logs=errors-only
exec node packages/local-stack/dist/cli/main.js "$@"
