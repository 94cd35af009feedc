#!/usr/bin/env bash
# The README's test command: sets up this machine, then runs every check CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# helm comes from .local/bin; a system kubectl, if any, keeps precedence.
export PATH="$PATH:$PWD/.local/bin"

step() { printf '\n==> %s\n' "$*"; }
step "lint";       pnpm lint
step "format";     pnpm format:check
step "typecheck";  pnpm typecheck
step "build";      pnpm build
step "build again (must be a turbo cache hit)"; bash scripts/check-turbo-cache.sh
step "tests";      pnpm exec vitest run
