#!/usr/bin/env bash
# Search benchmark: Humdex's tantivy index (crates/humdex-search/benches/search.rs) against SQLite
# FTS5 and PostgreSQL 15 full-text search (tsvector + GIN), in one run, on the same synthetic
# intelligence reports and the same ~200 analyst queries (words, AND, OR, phrases, prefixes,
# NOT, kind:/after: filters). Every engine loads the records on one thread and answers each query
# (first page of 20 by relevance + total count) warm, several times; the bench prints p50/p99/mean
# latency per engine, load rates and sizes on disk. Humdex runs three ways: (a) a reader with
# every authorization and (b) one with none, on an index of per-label views, and (c) an index of
# the same records without labels: (a)/(b) against (c) is the cost of privilege filtering.
#
# Environment: SEARCH_BENCH_SIZES (records, default 100000,1000000; e.g. 20000 for a smoke run),
# SEARCH_BENCH_REPS (measured passes, default 5), SEARCH_BENCH_PEER_REPS (passes for SQLite and
# PostgreSQL, default SEARCH_BENCH_REPS), SEARCH_BENCH_ENGINES (default humdex,sqlite,postgres),
# SEARCH_BENCH_PG (PostgreSQL URL, default postgres://postgres@127.0.0.1:5432/test; "off" skips
# it), SEARCH_BENCH_TMP (scratch directory for the indexes, default the system's),
# CARGO_TARGET_DIR (default target).
# The bench creates its own schema bench_search_<pid> in PostgreSQL and drops it afterwards.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export SEARCH_BENCH_SIZES=${SEARCH_BENCH_SIZES:-100000,1000000}

# PostgreSQL: start the local cluster if it is not answering (the bench skips it if it still
# does not).
if [[ ${SEARCH_BENCH_PG:-} != off ]] && command -v pg_isready >/dev/null; then
  if ! pg_isready -q -h 127.0.0.1; then
    echo "starting PostgreSQL 15" >&2
    pg_ctlcluster --skip-systemctl-redirect 15 main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 && break
      sleep 1
    done
  fi
fi

cd "$root"
cargo bench -p humdex-search --bench search
