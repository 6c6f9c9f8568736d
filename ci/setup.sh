#!/usr/bin/env bash
# Installs what the tests need on a Debian machine; idempotent and quick when all is there.
set -euo pipefail

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
echo "setup: python3 $(python3 -c 'import sys; print(sys.version.split()[0])'), $(cargo --version)"
