#!/usr/bin/env bash
# Installs, as root, what the tests cannot install themselves on a Debian machine: Debian's
# packages (Python's venv, PostgreSQL's binaries, debootstrap for the PostgreSQL image) and the
# lint components. Everything else (the PostgreSQL image, the wheel) the tests prepare.
# Idempotent: quick when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

# The PostgreSQL container tests need an engine that answers (it cannot be started from here).
if ! docker info >/dev/null 2>&1; then
  echo "setup: no Docker engine answers; the PostgreSQL container tests need one" >&2
  exit 1
fi
echo "setup: python3 $(python3 -c 'import sys; print(sys.version.split()[0])'), $(cargo --version), $(docker --version)"
