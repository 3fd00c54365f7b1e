#!/usr/bin/env bash
# PDQ benchmark: Humdex's hasher (crates/humdex-imagehash/benches/pdq.rs) against PyPI pdqhash,
# the C++ reference behind numpy, on the same fixed-seed raw RGB images (64², 512², 640×480,
# 1024×768, 4032×3024), one core, thread CPU time, min of 5; fails if any hash differs.
# Makes its own venv in target/bench-venv (pdqhash may build from source: needs g++ and the
# Python headers). CARGO_TARGET_DIR is honoured.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/bench-venv"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import numpy, pdqhash' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet pdqhash numpy
fi
# One core for both sides (the bench is single-threaded; this keeps the OS from moving it).
exec taskset -c 0 "$venv/bin/python" "$root/bench/pdq/compare.py" --repo "$root"
