#!/usr/bin/env bash
# Two-hop neighbourhood benchmark: Humdex's in-memory entity graph
# (crates/humdex-graph/benches/two_hop.rs) against SQLite answering the same question with a
# recursive CTE, in one run, on one seeded synthetic graph of 1,000,000 entities and 5,000,000
# links built through the public API (records of 2–4 mentions, power-law hubs, one record in
# five labelled; the caller sees two of four labels). Both answer the two-hop neighbourhood of
# the same 1000 seeded starts, one at a time on one thread; the bench checks that the node sets
# agree on a sample, then prints p50/p99/mean latency per engine, build times and Humdex's
# memory (bytes per link). Needs about 2 GB of memory and a few minutes.
#
# Environment: HUMDEX_BENCH_ENTITIES (default 1000000; e.g. 20000 for a smoke run),
# HUMDEX_BENCH_LINKS (default 5000000; e.g. 100000), HUMDEX_BENCH_STARTS (default 1000),
# HUMDEX_BENCH_CHECKS (starts whose node sets are compared, default 20), HUMDEX_BENCH_TMP
# (where SQLite's file goes, default the system's temporary directory), CARGO_TARGET_DIR.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo bench -p humdex-graph --bench two_hop --no-run
# One core (the bench is single-threaded; this keeps the OS from moving it between caches).
exec taskset -c 0 cargo bench -p humdex-graph --bench two_hop
