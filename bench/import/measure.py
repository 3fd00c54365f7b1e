#!/usr/bin/env python3
"""Timing and the table for the import benchmark.

usage: measure.py run OUT.json -- COMMAND...
         runs COMMAND (its stdout to OUT.json.stdout, its stderr to OUT.json.stderr) and writes
         its wall time, CPU time (user + system, its process tree) and peak RSS to OUT.json;
         exits with COMMAND's code
       measure.py table CORPUS.json FIRST.json AGAIN.json PEER.json DATA_BYTES
         prints the markdown table of a run: `humdex import` into a fresh data directory, the
         same again (every file a duplicate), and the extraction-only Python peer; DATA_BYTES is
         the data directory's size after both imports
"""

import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path


def run(out, command):
    out = Path(out)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(f"{out}.stdout", "wb") as stdout, open(f"{out}.stderr", "wb") as stderr:
        code = subprocess.call(command, stdout=stdout, stderr=stderr)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss is in KiB on Linux; only one child has run, so it is that child's peak.
    timing = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": after.ru_maxrss / 1024,
              "exit_code": code}
    out.write_text(json.dumps(timing))
    return code


SUMMARY = re.compile(r"Imported (\d+) records from (\d+) files; (\d+) duplicates; (\d+) failed"
                     r"(?:; (\d+) records refused)?")


def humdex_counts(path):
    """The counts of `humdex import`'s closing line, and the failures it printed."""
    stdout = Path(f"{path}.stdout").read_text()
    match = SUMMARY.search(stdout)
    if match is None:
        raise SystemExit(f"no summary line in {path}.stdout: {stdout!r}")
    records, imported, duplicates, failed, refused = (int(group or 0) for group in match.groups())
    problems = [line for line in Path(f"{path}.stderr").read_text().splitlines()
                if ": failed: " in line or ": some records refused: " in line]
    return {"records": records, "files": imported + duplicates + failed, "imported": imported,
            "duplicates": duplicates, "failed": failed, "refused": refused, "problems": problems}


def peer_counts(path):
    counts = json.loads(Path(f"{path}.stdout").read_text())
    counts["problems"] = Path(f"{path}.stderr").read_text().splitlines()
    return counts


def row(system, timing, files, records, megabytes):
    wall, cpu = timing["wall_s"], timing["cpu_s"]
    return (f"| {system} | {files} | {records} | {wall:.1f} | {cpu:.1f} | {files / wall:.1f} | "
            f"{records / wall:.0f} | {megabytes / wall:.1f} | {files / cpu:.1f} | "
            f"{timing['peak_rss_mib']:.0f} |")


def table(corpus_path, first_path, again_path, peer_path, data_bytes):
    corpus = json.loads(Path(corpus_path).read_text())
    megabytes = corpus["bytes"] / 1e6
    timings = {name: json.loads(Path(path).read_text())
               for name, path in (("first", first_path), ("again", again_path), ("peer", peer_path))}
    first, again = humdex_counts(first_path), humdex_counts(again_path)
    peer = peer_counts(peer_path)

    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(corpus["by_kind"].items()))
    print(f"Corpus: {corpus['files']} files, {megabytes:.1f} MB ({kinds}).")
    print()
    print("| system | files | records | wall s | CPU s | files/s | records/s | MB/s | "
          "files per CPU-s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(row("humdex import, fresh data dir", timings["first"], first["files"],
              first["records"], megabytes))
    print(row("humdex import again (all duplicates)", timings["again"], again["files"],
              again["records"], megabytes))
    print(row("extraction-only peer (Python)", timings["peer"], peer["files"], peer["records"],
              megabytes))
    print()
    wall = timings["peer"]["wall_s"] / timings["first"]["wall_s"]
    cpu = timings["peer"]["cpu_s"] / timings["first"]["cpu_s"]
    print(f"Humdex/peer: {wall:.2f}x the peer's files/s by wall time, {cpu:.2f}x per CPU-second "
          "(above 1: Humdex faster).")
    dedup = again["duplicates"] / again["files"] if again["files"] else 0
    print(f"Second import: {again['duplicates']} of {again['files']} files recognised as "
          f"duplicates ({dedup:.1%}), {again['records']} records created, in "
          f"{timings['again']['wall_s']:.1f} s ({again['files'] / timings['again']['wall_s']:.0f}"
          " files/s).")
    print(f"First import: {first['imported']} files imported, {first['duplicates']} duplicates, "
          f"{first['failed']} failed, {first['refused']} records refused; peer: "
          f"{peer['failed']} failed; records Humdex {first['records']}, peer {peer['records']}; "
          f"data directory {int(data_bytes) / 1e6:.1f} MB for {megabytes:.1f} MB of files.")
    print()
    print("Humdex stores every record durably (records, attachment blobs, journal, audit log); "
          "the peer only extracts text and keeps nothing. Text analysis (entities) and photo "
          "fingerprinting run in `humdex serve`, not during the CLI import, so neither is in "
          "these figures. Timings are one run each on a shared 2-core machine: CPU seconds are "
          "steadier than wall time.")
    for name, counts in (("humdex import", first), ("humdex import again", again),
                         ("peer", peer)):
        if counts["problems"]:
            print()
            print(f"{name}: {len(counts['problems'])} problems:")
            for line in counts["problems"]:
                print(f"  {line}")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "run" and sys.argv[3] == "--":
        sys.exit(run(sys.argv[2], sys.argv[4:]))
    if len(sys.argv) == 7 and sys.argv[1] == "table":
        table(*sys.argv[2:])
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
