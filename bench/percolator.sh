#!/usr/bin/env bash
# Percolator benchmark: Humdex's percolator against a Lucene-Monitor-style Java baseline
# (bench/percolator/Perc.java, on Debian's Lucene 8.7 jars), on the same synthetic corpus and
# stored queries (bench/percolator/gen.py), the same documents measured after the same warm-up.
# Both must find the same total number of matches; the script fails if they do not.
#
# Environment: PERCOLATOR_DATA (data directory, default target/percolator-data),
# PERCOLATOR_SIZES (stored queries, default 10000,100000,1000000), PERCOLATOR_DOCS (measured
# documents per size, default 5000,5000,2000: the Java baseline needs a minute and a half for
# 2000 documents at 1M queries), PERCOLATOR_WARMUP (documents before measuring, default 1000).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/bench/percolator
data=${PERCOLATOR_DATA:-$root/target/percolator-data}
sizes=${PERCOLATOR_SIZES:-10000,100000,1000000}
docs=${PERCOLATOR_DOCS:-5000,5000,2000}
warmup=${PERCOLATOR_WARMUP:-1000}
work=$root/target/percolator-bench # the baseline's classes and both runs' logs
mkdir -p "$work"

IFS=, read -r -a size_list <<<"$sizes"
IFS=, read -r -a doc_list <<<"$docs"
docs_for() { # the documents measured for the size at index $1
  local i=$1
  if ((i >= ${#doc_list[@]})); then i=$((${#doc_list[@]} - 1)); fi
  echo "${doc_list[$i]}"
}

# 1. The data: 20k documents, 1M queries, document frequencies (deterministic, seed 1).
if [[ ! -s $data/queries.txt || ! -s $data/docs.txt || ! -s $data/termfreq.tsv ]]; then
  echo "generating $data (about two minutes)" >&2
  mkdir -p "$data"
  python3 "$here/gen.py" 20000 1000000 "$data" 1 >&2
fi

# 2. The baseline: Lucene 8 from Debian, Java 17.
if ! compgen -G "/usr/share/java/lucene-core-8*.jar" >/dev/null; then
  apt-get update -qq && apt-get install -y -qq liblucene8-java >&2
fi
if ! command -v javac >/dev/null; then
  apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >&2
fi
classpath=$(ls /usr/share/java/lucene-{core,memory,queryparser,queries,analyzers-common,sandbox}-8.*.jar | tr '\n' :)
javac -d "$work" -cp "$classpath" "$here/Perc.java"

declare -A java_rate java_matches java_candidates
for i in "${!size_list[@]}"; do
  n=${size_list[$i]}
  d=$(docs_for "$i")
  echo "java: $n queries, $d documents" >&2
  java -Xmx10g -cp "$classpath:$work" Perc "$data" "$n" presearch "$d" "$warmup" >"$work/run-$n.log"
  cat "$work/run-$n.log" >&2
  line=$(grep '^mode=' "$work/run-$n.log")
  java_rate[$n]=$(grep -o 'docs_per_s=[0-9.]*' <<<"$line" | cut -d= -f2)
  java_matches[$n]=$(grep -o 'total_matches=[0-9]*' <<<"$line" | cut -d= -f2)
  java_candidates[$n]=$(grep -o 'cand_per_doc=[0-9.]*' <<<"$line" | cut -d= -f2)
done

# 3. Humdex, same sizes, documents and warm-up.
doc_values=$(for i in "${!size_list[@]}"; do docs_for "$i"; done | paste -sd,)
(cd "$root" && PERCOLATOR_DATA=$data PERCOLATOR_SIZES=$sizes PERCOLATOR_DOCS=$doc_values \
  PERCOLATOR_WARMUP=$warmup cargo bench -p humdex-search --bench percolator) >"$work/humdex.log"
cat "$work/humdex.log" >&2
output=$(cat "$work/humdex.log")

# 4. Side by side.
echo
echo "| stored queries | documents | Humdex docs/s | Java docs/s | ratio | total matches Humdex | total matches Java | candidates/doc Humdex | candidates/doc Java |"
echo "|---|---|---|---|---|---|---|---|---|"
failed=0
for i in "${!size_list[@]}"; do
  n=${size_list[$i]}
  line=$(grep "^RESULT stored=$n " <<<"$output")
  rate=$(grep -o 'docs_per_s=[0-9.]*' <<<"$line" | cut -d= -f2)
  matches=$(grep -o 'total_matches=[0-9]*' <<<"$line" | cut -d= -f2)
  candidates=$(grep -o 'cand_per_doc=[0-9.]*' <<<"$line" | cut -d= -f2)
  ratio=$(awk -v a="$rate" -v b="${java_rate[$n]}" 'BEGIN { printf "%.1fx", a / b }')
  printf "| %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s |\n" "$n" "$(docs_for "$i")" "$rate" \
    "${java_rate[$n]}" "$ratio" "$matches" "${java_matches[$n]}" "$candidates" "${java_candidates[$n]}"
  if [[ -z $matches || $matches != "${java_matches[$n]}" ]]; then
    echo "MISMATCH at $n stored queries: Humdex found $matches matches, Java ${java_matches[$n]}" >&2
    failed=1
  fi
done
echo
grep '^|' <<<"$output"
if ((failed)); then
  echo "FAILED: the percolators disagree" >&2
  exit 1
fi
