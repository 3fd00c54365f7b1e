#!/usr/bin/env python3
"""Golden PDQ vectors for humdex-imagehash (tests/pdq.rs), from PyPI `pdqhash`.

Every image is a pure function of (kind, width, height, seed) in 64-bit integer arithmetic, so
the Rust test rebuilds the same pixels without any stored image. For each image this writes one
line of synthetic.tsv: the parameters, a checksum of the RGB bytes (so a generator mismatch is
told apart from a hash mismatch), and `pdqhash.compute` / `pdqhash.compute_dihedral` on exactly
those pixels, and `pdqhash.compute` after the C++ tool's nearest-neighbour resize to 512×512
(for images with a side over 512; source index floor(x·side/512)). pdqhash computes luma in float64 then rounds to float32, so the exact comparison
in Rust uses that luma flavour (`Luma::Float64`).

Run: /path/to/python generate.py > synthetic.tsv   (needs numpy and pdqhash 0.2.8)
"""

import sys

import numpy as np
import pdqhash

MASK = (1 << 64) - 1


def mix64(z):
    """The splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def param(seed, index):
    """The index-th pseudo-random parameter of an image (a u64)."""
    z = np.array([(seed * 0x9E3779B97F4A7C15 + index) & MASK], dtype=np.uint64)
    return int(mix64(z)[0])


def triangle(t, period, amplitude):
    """A triangle wave in 0..=amplitude with the given period (t >= 0)."""
    phase = t % period
    return np.abs(phase * (2 * amplitude) // period - amplitude)


def mix(width, height, seed):
    """Waves per channel, then rectangles painted over, discs added, and noise."""
    p = lambda i: param(seed, i)
    x = np.arange(width, dtype=np.int64)[None, :]
    y = np.arange(height, dtype=np.int64)[:, None]
    rgb = np.zeros((height, width, 3), dtype=np.int64)
    for c in range(3):
        ax, ay = p(10 + c) % 4, p(13 + c) % 4
        period = 8 + p(16 + c) % (width + height + 8)
        rgb[:, :, c] = 40 + p(c) % 80 + triangle(x * ax + y * ay + p(19 + c) % 1000, period, 120)
    for r in range(3):
        x0, y0 = p(30 + 4 * r) % width, p(32 + 4 * r) % height
        x1 = x0 + p(31 + 4 * r) % (1 + width // 3)
        y1 = y0 + p(33 + 4 * r) % (1 + height // 3)
        for c in range(3):
            rgb[y0:y1 + 1, x0:x1 + 1, c] = p(50 + 3 * r + c) % 256
    for d in range(2):
        cx, cy = p(60 + 3 * d) % width, p(61 + 3 * d) % height
        radius = 1 + p(62 + 3 * d) % (1 + (width + height) // 4)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < radius * radius
        for c in range(3):
            rgb[:, :, c] += np.where(inside, p(70 + 3 * d + c) % 121 - 60, 0)
    amplitude = p(80) % 25
    index = ((y * width + x)[:, :, None] * 3 + np.arange(3)).astype(np.uint64)
    with np.errstate(over="ignore"):
        noise = mix64(index + np.uint64(p(81)))
    rgb += (noise % np.uint64(2 * amplitude + 1)).astype(np.int64) - amplitude
    return rgb


def flat(width, height, seed):
    """One colour: seed is 0xRRGGBB."""
    rgb = np.zeros((height, width, 3), dtype=np.int64)
    for c in range(3):
        rgb[:, :, c] = (seed >> (16 - 8 * c)) & 255
    return rgb


def hgrad(width, height, seed):
    """Left to right 0..255 (seed 1 reverses it in green)."""
    x = np.arange(width, dtype=np.int64)[None, :]
    ramp = np.broadcast_to(x * 255 // max(width - 1, 1), (height, width))
    rgb = np.stack([ramp, 255 - ramp if seed else ramp, ramp], axis=2)
    return rgb


def vgrad(width, height, seed):
    """Top to bottom 0..255 (seed 1 reverses it in green)."""
    return hgrad(height, width, seed).transpose(1, 0, 2)


def checker(width, height, seed):
    """Black and white squares of side seed."""
    x = np.arange(width, dtype=np.int64)[None, :]
    y = np.arange(height, dtype=np.int64)[:, None]
    on = ((x // seed + y // seed) % 2) * 255
    return np.stack([on] * 3, axis=2)


KINDS = {"mix": mix, "flat": flat, "hgrad": hgrad, "vgrad": vgrad, "checker": checker}

MIX_SIZES = [
    (5, 5), (5, 64), (64, 5), (5, 300), (300, 5), (6, 9), (7, 130), (16, 16), (33, 20),
    (63, 63), (64, 64), (64, 64), (64, 64), (65, 65), (64, 65), (65, 64), (100, 64),
    (127, 127), (128, 128), (128, 128), (129, 129), (150, 257), (255, 256), (256, 256),
    (257, 255), (300, 200), (300, 200), (200, 300), (511, 511), (512, 512), (512, 512),
    (513, 513), (512, 513), (640, 480), (640, 480), (480, 640), (1000, 700), (700, 1000),
    (1023, 769), (1500, 1100), (2000, 1500),
]
OTHERS = [
    ("flat", 64, 64, 0x000000), ("flat", 300, 200, 0xFFFFFF), ("flat", 640, 480, 0x808080),
    ("flat", 513, 300, 0xC81E5A), ("flat", 5, 5, 0x123456),
    ("hgrad", 640, 480, 0), ("hgrad", 65, 65, 1), ("vgrad", 640, 480, 0), ("vgrad", 129, 300, 1),
    ("checker", 64, 64, 8), ("checker", 300, 200, 10), ("checker", 640, 480, 1),
    ("checker", 513, 513, 32),
    ("mix", 4, 4, 1), ("mix", 4, 100, 2), ("mix", 100, 4, 3), ("mix", 1, 1, 4),
]


def corpus():
    """(name, kind, width, height, seed) of every golden image."""
    for number, (width, height) in enumerate(MIX_SIZES):
        seed = 1000 + number
        yield f"mix-{width}x{height}-{seed}", "mix", width, height, seed
    for kind, width, height, seed in OTHERS:
        yield f"{kind}-{width}x{height}-{seed}", kind, width, height, seed


def pixels(kind, width, height, seed):
    """The RGB bytes, height x width x 3."""
    return np.clip(KINDS[kind](width, height, seed), 0, 255).astype(np.uint8)


def checksum(rgb):
    """Sum of byte * (1 + index mod 65521), wrapping at 2^64."""
    flat_bytes = rgb.reshape(-1).astype(np.uint64)
    weights = np.arange(flat_bytes.size, dtype=np.uint64) % np.uint64(65521) + np.uint64(1)
    with np.errstate(over="ignore"):
        return int(np.sum(flat_bytes * weights, dtype=np.uint64))


def nearest512(rgb):
    """The C++ command-line tool's resize: exactly 512x512 by nearest neighbour if a side > 512."""
    height, width, _ = rgb.shape
    if width <= 512 and height <= 512:
        return rgb
    rows = np.arange(512) * height // 512
    columns = np.arange(512) * width // 512
    return np.ascontiguousarray(rgb[rows][:, columns])


def hex_of(bits):
    """pdqhash's bit vector (most significant first) as the reference's 64 hex digits."""
    return f"{int(''.join(str(int(b)) for b in bits), 2):064x}"


def main():
    columns = ["name", "kind", "width", "height", "seed", "checksum", "hash", "quality"]
    columns += [f"dihedral{k}" for k in range(8)] + ["nearest512_hash", "nearest512_quality"]
    print("\t".join(columns))
    for name, kind, width, height, seed in corpus():
        rgb = np.ascontiguousarray(pixels(kind, width, height, seed))
        bits, quality = pdqhash.compute(rgb)
        dihedral, dihedral_quality = pdqhash.compute_dihedral(rgb)
        assert dihedral_quality == quality and hex_of(dihedral[0]) == hex_of(bits)
        row = [name, kind, width, height, seed, checksum(rgb), hex_of(bits), quality]
        row += [hex_of(d) for d in dihedral]
        nearest_bits, nearest_quality = pdqhash.compute(nearest512(rgb))
        row += [hex_of(nearest_bits), nearest_quality]
        print("\t".join(str(v) for v in row))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
