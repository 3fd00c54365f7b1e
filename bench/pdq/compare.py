#!/usr/bin/env python3
"""PDQ speed: Humdex's hasher against PyPI `pdqhash` (the C++ reference behind numpy), on one core.

Writes a fixed-seed corpus of raw RGB images, times `pdqhash.compute` on each (min of 5 runs of
thread CPU time, as `time.clock_gettime(CLOCK_THREAD_CPUTIME_ID)` reports it) and the numpy
luma step inside it alone, runs `cargo bench --bench pdq -- --raw DIR` (which times our hasher
the same way on the same bytes), checks that every hash and quality is identical, and prints a
table. Run through bench/pdq.sh, which makes the venv.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

# numpy's elementwise work is single-threaded anyway; make sure no BLAS pool joins in.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
import pdqhash  # noqa: E402

SIZES = [(64, 64), (512, 512), (640, 480), (1024, 768), (4032, 3024)]
RUNS = 5


def image(width, height, rng):
    """A smooth random colour field with shapes and noise, like a photo to PDQ."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = []
    for _ in range(3):
        field = np.zeros((height, width))
        for _ in range(4):
            fx, fy = rng.uniform(0.5, 6, size=2)
            phase = rng.uniform(0, 2 * np.pi)
            field += np.sin(2 * np.pi * (fx * x / width + fy * y / height) + phase)
        channels.append(field)
    rgb = 128 + 28 * np.stack(channels, axis=2)
    for _ in range(6):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.05, 0.3) * width
        rgb[(x - cx) ** 2 + (y - cy) ** 2 < radius**2] += rng.uniform(-60, 60, size=3)
    rgb += rng.normal(0, 6, size=rgb.shape)
    return np.ascontiguousarray(np.clip(rgb, 0, 255).astype(np.uint8))


def thread_cpu_min(work, runs=RUNS):
    """Least thread CPU time of `runs` calls, after one warm-up call, in µs."""
    work()
    best = float("inf")
    for _ in range(runs):
        start = time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)
        work()
        best = min(best, time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID) - start)
    return best * 1e6


def hex_of(bits):
    return f"{int(''.join(str(int(b)) for b in bits), 2):064x}"


def numpy_luma(rgb):
    """The luma step of pdqhash.compute, as it is written there."""
    return (rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114).astype("float32")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", required=True, help="the workspace root")
    arguments = parser.parse_args()

    rng = np.random.default_rng(20240607)
    peer = {}
    with tempfile.TemporaryDirectory(prefix="pdq-bench-") as corpus:
        for width, height in SIZES:
            rgb = image(width, height, rng)
            name = f"synthetic_{width}x{height}"
            rgb.tofile(os.path.join(corpus, f"{name}.rgb"))
            bits, quality = pdqhash.compute(rgb)
            peer[name] = {
                "hash": hex_of(bits),
                "quality": int(quality),
                "us": thread_cpu_min(lambda: pdqhash.compute(rgb)),
                "luma_us": thread_cpu_min(lambda: numpy_luma(rgb)),
            }
            print(f"pdqhash {name}: {peer[name]['us']:.0f} µs", file=sys.stderr)
        command = ["cargo", "bench", "-q", "-p", "humdex-imagehash", "--bench", "pdq", "--", "--raw", corpus]
        output = subprocess.run(command, cwd=arguments.repo, check=True, capture_output=True, text=True).stdout
    ours = {entry["name"]: entry for entry in map(json.loads, output.splitlines())}

    print("PDQ per image, thread CPU time, min of 5, one core. Ours: full resolution, float64 luma")
    print("(pdqhash's flavour, so the hashes must be identical); also float32 luma (the C++")
    print("reference's) and the C++ tool's nearest-neighbour 512×512 mode.")
    print()
    header = ("size", "ours µs", "pdqhash µs", "(numpy luma µs)", "speed-up", "ours f32 µs", "ours nn512 µs", "hash")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    mismatches = 0
    for width, height in SIZES:
        name = f"synthetic_{width}x{height}"
        mine, theirs = ours[name], peer[name]
        same = (mine["hash"], mine["quality"]) == (theirs["hash"], theirs["quality"])
        mismatches += not same
        row = (
            f"{width}×{height}",
            f"{mine['us']:.0f}",
            f"{theirs['us']:.0f}",
            f"{theirs['luma_us']:.0f}",
            f"{theirs['us'] / mine['us']:.1f}×",
            f"{mine['us_f32']:.0f}",
            f"{mine['us_nearest512']:.0f}",
            "identical" if same else f"DIFFERENT: {mine['hash']} q{mine['quality']} vs {theirs['hash']} q{theirs['quality']}",
        )
        print("| " + " | ".join(row) + " |")
    if mismatches:
        sys.exit(f"{mismatches} hashes differ from pdqhash")


if __name__ == "__main__":
    main()
