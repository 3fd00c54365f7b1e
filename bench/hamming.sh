#!/usr/bin/env bash
# Exact Hamming search benchmark: Humdex's linear scan and multi-index
# (crates/humdex-imagehash/benches/hamming.rs) against FAISS's IndexBinaryFlat and
# IndexBinaryMultiHash (bench/hamming/faiss_peer.py), on the same seeded random 256-bit hashes
# with near-duplicates of 100 query images planted, one thread each. Both check recall of the
# planted copies; the peer also checks that FAISS's answers equal Humdex's, then prints the
# ratios Humdex/FAISS.
#
# Environment: HAMMING_BENCH_SIZES (default 1000000,10000000; about 2 GB of memory at 10M, and
# about ten minutes in all on two cores), HAMMING_BENCH_CROSSOVER (sizes of the
# linear/multi-index crossover table, "off" to skip), HAMMING_BENCH_OUT (data and figures,
# default target/bench-hamming), BENCH_VENV (Python venv, default target/bench-venv; faiss-cpu
# and numpy are installed into it when missing), CARGO_TARGET_DIR.
# RUSTFLAGS: the scan needs a popcount instruction, which the x86-64 baseline lacks; unless
# RUSTFLAGS or .cargo/config.toml sets a target CPU, the bench is built for x86-64-v2 (which has it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${BENCH_VENV:-$root/target/bench-venv}
export HAMMING_BENCH_SIZES=${HAMMING_BENCH_SIZES:-1000000,10000000}
export HAMMING_BENCH_OUT=${HAMMING_BENCH_OUT:-$root/target/bench-hamming}
# RUSTFLAGS would override the repository's cargo config, so it is set only when neither picks
# a target CPU.
if [[ $(uname -m) == x86_64 && -z ${RUSTFLAGS+set} ]] && ! grep -qs target-cpu "$root/.cargo/config.toml"; then
  export RUSTFLAGS="-C target-cpu=x86-64-v2"
fi
log() { echo "hamming.sh: $*" >&2; }

if ! "$venv/bin/python" -c 'import faiss, numpy' 2>/dev/null; then
  log "installing faiss-cpu and numpy into $venv"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet faiss-cpu numpy >&2
fi

cd "$root"
log "RUSTFLAGS=${RUSTFLAGS:-(from cargo config)}"
cargo bench -p humdex-imagehash --bench hamming
echo
"$venv/bin/python" "$root/bench/hamming/faiss_peer.py" "$HAMMING_BENCH_OUT" "$HAMMING_BENCH_SIZES"
