#!/bin/sh
# Builds one Causeway service and the workspace packages it depends on, then writes a production
# deployment of it (its dist/ and only its runtime node_modules) to OUT. The Dockerfiles run this in
# their build stage; test/deploy runs it too, so the images' build steps are tested on machines
# without a Docker engine.
#   usage: deploy/docker/build-package.sh @causeway/<service> <out-dir>
# CAUSEWAY_SKIP_NATIVE_BUILD=1 leaves out the eBPF helper's C build (the agent image compiles it in
# a stage of its own).
set -eu
pkg="$1"
out="$2"
pnpm install --frozen-lockfile --filter "$pkg..."
# Generated code is not committed: generate the protobuf bindings every service uses.
pnpm --filter @causeway/protocol run codegen
# Recursive runs go in dependency order.
pnpm --filter "$pkg..." run build
pnpm --filter "$pkg" deploy --prod "$out"
