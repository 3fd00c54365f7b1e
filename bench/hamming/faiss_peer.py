"""FAISS peer of crates/humdex-imagehash/benches/hamming.rs, on the hashes it wrote.

IndexBinaryFlat (exhaustive) and IndexBinaryMultiHash(256, 16, 16) with one-bit probes (exact
below distance 32), on one thread, timed per query image (its 8 needles in one call) and per
query hash as the Rust side times them. Checks recall of the planted copies, compares every
single-hash answer with Humdex's, and prints the ratios Humdex/FAISS.

usage: faiss_peer.py DATA_DIR SIZES   (SIZES like 1000000,10000000)
"""

import sys
import time
from pathlib import Path

import faiss
import numpy as np

RADIUS = 32  # FAISS range search keeps distances below it: ≤ 31, as Humdex's bound
NEEDLES = 8


def label(size):
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def quantile(latencies, q):
    ordered = sorted(latencies)
    return ordered[round((len(ordered) - 1) * q)] * 1e3


def timed(queries, passes, search):
    """Per-query wall latencies of the last passes (the first warms up), the thread's CPU time
    over them (which preemption on a shared machine does not inflate), and the last answers."""
    latencies, cpu, answers = [], 0.0, []
    for run in range(passes):
        measured = run > 0 or passes == 1
        answers = []
        cpu_start = time.thread_time()
        for query in queries:
            start = time.perf_counter()
            found = search(query)
            if measured:
                latencies.append(time.perf_counter() - start)
            answers.append(found)
        if measured:
            cpu += time.thread_time() - cpu_start
    return (latencies, cpu), answers


def range_answers(index, queries):
    """Per query row, {id: distance}."""
    lims, distances, ids = index.range_search(queries, RADIUS)
    return [
        dict(zip(ids[lims[row] : lims[row + 1]].tolist(), distances[lims[row] : lims[row + 1]].astype(int).tolist()))
        for row in range(len(queries))
    ]


class Report:
    def __init__(self):
        self.rows, self.values = [], {}

    def latencies(self, key, text, timing):
        latencies, cpu = timing
        p50, p99 = quantile(latencies, 0.5), quantile(latencies, 0.99)
        mean, cpu = sum(latencies) * 1e3 / len(latencies), cpu * 1e3 / len(latencies)
        self.rows.append(
            (text, f"p50 {p50:.3f} ms  p99 {p99:.3f} ms  mean {mean:.3f} ms  cpu {cpu:.3f} ms  ({len(latencies)} queries)")
        )
        self.values.update({f"{key}_p50_ms": p50, f"{key}_p99_ms": p99, f"{key}_mean_ms": mean, f"{key}_cpu_ms": cpu})

    def value(self, key, text, value, unit):
        self.rows.append((text, f"{value:.3f} {unit}"))
        self.values[key] = value

    def print(self):
        width = max(len(text) for text, _ in self.rows)
        for text, value in self.rows:
            print(f"{text:{width}}  {value}")


def check_recall(planted, size, answers_of):
    missed = [copy for copy in planted if copy[0] < size and copy[3] <= RADIUS - 1 and copy[0] not in answers_of(copy)]
    if missed:
        sys.exit(f"FAISS missed planted copies: {missed[:5]}")


def main():
    data, sizes = Path(sys.argv[1]), [int(size) for size in sys.argv[2].split(",")]
    faiss.omp_set_num_threads(1)
    haystack = np.fromfile(data / "haystack.bin", dtype=np.uint8).reshape(-1, 32)
    images = np.fromfile(data / "needles.bin", dtype=np.uint8).reshape(-1, NEEDLES, 32)
    needles = images.reshape(-1, 32)
    planted = [tuple(int(field) for field in line.split("\t")) for line in (data / "planted.tsv").read_text().splitlines()[1:]]
    ours = dict(line.split("\t") for line in (data / "ours.tsv").read_text().splitlines())
    ours = {key: float(value) for key, value in ours.items()}
    report = Report()

    for size in sizes:
        name = label(size)
        vectors = np.ascontiguousarray(haystack[:size])
        humdex = [
            {int(pair.split(":")[0]): int(pair.split(":")[1]) for pair in line.split()}
            for line in (data / f"answers-{name}.txt").read_text().splitlines()
        ]

        print(f"faiss peer: {name}: IndexBinaryFlat", file=sys.stderr, flush=True)
        flat = faiss.IndexBinaryFlat(256)
        flat.add(vectors)
        latencies, by_image = timed(images, 2, lambda query: range_answers(flat, query))
        report.latencies(f"flat_image_{name}", f"FAISS flat, per image (8 needles), {name}", latencies)
        check_recall(planted, size, lambda copy: by_image[copy[1]][copy[2]])
        sample = needles[::4]
        latencies, by_hash = timed(sample, 2, lambda query: range_answers(flat, query[None])[0])
        report.latencies(f"flat_hash_{name}", f"FAISS flat, per hash, {name}", latencies)
        disagree = sum(found != humdex[4 * row] for row, found in enumerate(by_hash))
        if disagree:
            sys.exit(f"FAISS flat and Humdex disagree on {disagree} of {len(by_hash)} hashes at {name}")
        del flat

        print(f"faiss peer: {name}: IndexBinaryMultiHash", file=sys.stderr, flush=True)
        multi = faiss.IndexBinaryMultiHash(256, 16, 16)
        multi.nflip = 1
        start = time.perf_counter()
        multi.add(vectors)
        report.value(f"faiss_mih_build_{name}_s", f"FAISS multi-hash build, {name}", time.perf_counter() - start, "s")
        latencies, by_hash = timed(needles, 3, lambda query: range_answers(multi, query[None])[0])
        report.latencies(f"faiss_mih_hash_{name}", f"FAISS multi-hash, per hash, {name}", latencies)
        disagree = sum(found != humdex[row] for row, found in enumerate(by_hash))
        if disagree:
            sys.exit(f"FAISS multi-hash and Humdex disagree on {disagree} of {len(by_hash)} hashes at {name}")
        latencies, by_image = timed(images, 3, lambda query: range_answers(multi, query))
        report.latencies(f"faiss_mih_image_{name}", f"FAISS multi-hash, per image (8 needles), {name}", latencies)
        check_recall(planted, size, lambda copy: by_image[copy[1]][copy[2]])
        del multi
        report.value(f"agree_{name}", f"answers equal to Humdex's, {name}", 100.0, "%")

    print(f"FAISS {faiss.__version__} (faiss-cpu), one thread:")
    report.print()
    print("\nHumdex / FAISS (below 1: Humdex faster):")
    pairs = []
    for size in sizes:
        name = label(size)
        pairs += [
            (f"linear scan / flat, per image, {name}", f"linear_image_{name}", f"flat_image_{name}"),
            (f"multi-index / flat, per hash, {name}", f"mih_hash_{name}", f"flat_hash_{name}"),
            (f"multi-index / multi-hash, per hash, {name}", f"mih_hash_{name}", f"faiss_mih_hash_{name}"),
            (f"multi-index / multi-hash, per image, {name}", f"mih_image_{name}", f"faiss_mih_image_{name}"),
        ]
    width = max(len(text) for text, _, _ in pairs)
    for text, mine, theirs in pairs:
        if f"{mine}_p50_ms" in ours and f"{theirs}_p50_ms" in report.values:
            ratios = [
                f"{measure} {ours[f'{mine}_{measure}_ms'] / report.values[f'{theirs}_{measure}_ms']:.3f}"
                for measure in ("p50", "mean", "cpu")
                if f"{mine}_{measure}_ms" in ours
            ]
            print(f"{text:{width}}  {'  '.join(ratios)}")
    for size in sizes:
        name = label(size)
        mine, theirs = ours.get(f"mih_build_{name}_s"), report.values.get(f"faiss_mih_build_{name}_s")
        if mine and theirs:
            print(f"{'multi-index / multi-hash, build, ' + name:{width}}  {mine / theirs:.3f}")


if __name__ == "__main__":
    main()
