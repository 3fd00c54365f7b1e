#!/usr/bin/env bash
# Import benchmark: `humdex import DIR` on a fixed-seed mixed folder (bench/import/make_corpus.py:
# emails with attachments and an mbox, PDFs, DOCX, XLSX/CSV, JPEG photos with EXIF, JSON Lines,
# text), in one run: (a) into a fresh data directory, (b) the same folder again into the same
# directory (every file a duplicate), (c) an extraction-only Python peer (bench/import/peer.py:
# stdlib email, pypdf, python-docx, openpyxl/csv, Pillow EXIF, json) that reads the same files and
# keeps nothing. Each is timed for wall and CPU time; prints one markdown table on stdout (files/s,
# records/s, MB/s, CPU s) and the Humdex/peer ratio; progress goes to stderr. Exits non-zero when
# a step fails to run; files Humdex could not import are listed under the table, not fatal.
#
# The corpus is kept in target/import-bench/ for later runs (one per size, seed and version of
# make_corpus.py; about 120 MB and a minute of CPU to make at the default size).
#
# Environment: IMPORT_BENCH_FILES (files in the corpus, default 2000), IMPORT_BENCH_SEED (default
# 1), IMPORT_BENCH_TMP (scratch directory for the data directory, default the system's; removed
# afterwards), BENCH_VENV (Python venv, default target/bench-venv; created and filled from PyPI
# when missing), CARGO_TARGET_DIR (default target).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/bench/import
files=${IMPORT_BENCH_FILES:-2000}
seed=${IMPORT_BENCH_SEED:-1}
venv=${BENCH_VENV:-$root/target/bench-venv}
target=${CARGO_TARGET_DIR:-$root/target}
log() { echo "import.sh: $*" >&2; }

if ! "$venv/bin/python" -c 'import docx, fpdf, openpyxl, piexif, PIL, pypdf' 2>/dev/null; then
  log "installing the Python packages into $venv"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet fpdf2 python-docx openpyxl pillow piexif pypdf >&2
fi
py=$venv/bin/python

log "building humdex (release)"
(cd "$root" && cargo build --release --quiet -p humdex --bin humdex >&2)
humdex=$target/release/humdex

generator=$(sha256sum "$here/make_corpus.py" | cut -c1-12)
corpus=$root/target/import-bench/corpus-$files-$seed-$generator
if [[ ! -s $corpus.json ]]; then
  log "making the corpus in $corpus: about $files files, seed $seed"
  rm -rf "$corpus"
  mkdir -p "$(dirname "$corpus")"
  "$py" "$here/make_corpus.py" "$corpus" --files "$files" --seed "$seed" >"$corpus.json.partial"
  mv "$corpus.json.partial" "$corpus.json"
fi
sync # the corpus's pages are written out before anything is timed

work=$(mktemp -d "${IMPORT_BENCH_TMP:-${TMPDIR:-/tmp}}/humdex-import-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# `humdex import` exits 2 when some files failed: that is a result to report, not an error.
import_into() { # $1: the timing file
  local code=0
  "$py" "$here/measure.py" run "$1" -- "$humdex" import "$corpus" --data "$work/data" || code=$?
  if ((code != 0 && code != 2)); then
    log "humdex import failed (exit $code):"
    tail -n 20 "$1.stderr" >&2
    exit 1
  fi
}

log "humdex import into a fresh data directory"
import_into "$work/first.json"
log "humdex import again into the same data directory"
import_into "$work/again.json"
log "extraction-only peer"
"$py" "$here/measure.py" run "$work/peer.json" -- "$py" "$here/peer.py" "$corpus"

echo
"$py" "$here/measure.py" table "$corpus.json" "$work/first.json" "$work/again.json" \
  "$work/peer.json" "$(du -sb "$work/data" | cut -f1)"
