#!/usr/bin/env bash
# Builds the limani-bridge wheel exactly as `pip install ./bridge/python` does (pip, PEP 517,
# maturin from PyPI in an isolated build environment): the `limani` command (cli/, by cargo)
# with the `limani_bridge` package, for `pip install` on a machine with no Rust toolchain.
#   ci/build-wheel.sh [--dev] [OUT_DIR]
# OUT_DIR defaults to target/wheels. --dev builds the debug binary (quick: it reuses the tests'
# build; what the tests install); without it, a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

args=""
if [ "${1:-}" = "--dev" ]; then args="--profile dev"; shift; fi
out=${1:-$root/target/wheels}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/limani-wheel.XXXXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
python3 -m venv "$work/venv"

# Old wheels of this version would be taken for the new one.
rm -f "$out"/limani_bridge-*.whl
MATURIN_PEP517_ARGS="$args" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/wheel-build" "$work/venv/bin/pip" wheel --quiet --disable-pip-version-check \
  --no-deps --wheel-dir "$out" ./bridge/python >&2
ls "$out"/limani_bridge-*.whl
