#!/usr/bin/env bash
# Builds the limani-bridge wheel: the `limani` command (cli/, by maturin and cargo) with the
# `limani_bridge` package, for `pip install` on a machine with no Rust toolchain.
#   ci/build-wheel.sh [--dev] [OUT_DIR]
# OUT_DIR defaults to target/wheels. --dev builds the debug binary (quick; what the tests use);
# without it, a release build. maturin comes from PyPI into a throwaway venv, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

profile=release
if [ "${1:-}" = "--dev" ]; then profile=dev; shift; fi
out=${1:-$root/target/wheels}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/limani-wheel.XXXXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.5,<2"

# Old wheels of this version would be taken for the new one.
rm -f "$out"/limani_bridge-*.whl
cd bridge/python
"$work/venv/bin/maturin" build --quiet --profile "$profile" --out "$out" --compatibility linux >&2
cd "$root"
ls "$out"/limani_bridge-*.whl
