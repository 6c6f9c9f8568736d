#!/usr/bin/env bash
# Installs and starts what the tests need on a Debian machine; idempotent, quick when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

# The PostgreSQL tests run through testcontainers: the engine must answer, and the image
# is built here from Debian packages (there is no registry to pull from).
if ! docker info >/dev/null 2>&1; then
  echo "setup: no Docker engine answers; the PostgreSQL container tests need one" >&2
  exit 1
fi
bash ci/postgres-image.sh

# The wheel Python authors install (the limani command with limani_bridge), for cli/tests/wheel.rs;
# a debug build, which the tests' own build then reuses.
echo "setup: building the limani-bridge wheel (ci/build-wheel.sh --dev)"
bash ci/build-wheel.sh --dev >/dev/null
echo "setup: python3 $(python3 -c 'import sys; print(sys.version.split()[0])'), $(cargo --version), $(docker --version)"
