"""Score NER predictions of Humdex and spaCy against gold spans, and print the benchmark's one markdown table.

usage:
  python bench/ner_score.py wnut WNUT_TEST OUT.jsonl
      write WNUT-17 test as corpus JSONL {"id", "text", "spans"} (detokenised by tools/spacy/corpus.py)
  python bench/ner_score.py table RUNS_DIR NAME=GOLD.jsonl [NAME=GOLD.jsonl ...]
      score RUNS_DIR/NAME.SYSTEM.jsonl (+ .stats.json) for each corpus NAME (wnut17 or trafficking) and SYSTEM

Scoring is exact: a prediction counts only if start, end (character offsets) and mapped type all equal a gold span.
Before the table, a self-check scores each spaCy run against itself and requires F1 100.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools/spacy"))

SYSTEMS = [("humdex-ner", "Humdex NER"), ("humdex-full", "Humdex full"), ("spacy-ner", "spaCy NER"),
           ("spacy-full", "spaCy full")]
# Which label set each system writes: spaCy's OntoNotes labels, or Humdex's entity kinds.
SCHEME = {"humdex-ner": "spacy", "humdex-full": "kinds", "spacy-ner": "spacy", "spacy-full": "spacy"}

LOC = {"GPE": "location", "LOC": "location", "FAC": "location"}
MAPS = {
    "wnut17": {
        "spacy": {"PERSON": "person", **LOC, "ORG": "corporation", "NORP": "group", "PRODUCT": "product",
                  "WORK_OF_ART": "creative-work"},
        "kinds": {"person": "person", "location": "location", "organization": "corporation", "nationality": "group"},
    },
    "trafficking": {
        "spacy": {"PERSON": "person", "ORG": "organization", **LOC, "NORP": "nationality", "DATE": "date",
                  "MONEY": "money"},
        "kinds": {k: k for k in ["person", "organization", "location", "nationality", "phone", "email", "url",
                                 "coordinates", "money", "date", "age", "crypto", "handle", "plate", "weapon"]},
    },
}
# The types of each corpus's statistical-NER subset, for a micro F1 the NER-only systems can compete on.
NER_TYPES = {"trafficking": ["person", "organization", "location", "nationality"]}


def read_jsonl(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def gold_sets(rows):
    return {r["id"]: {(s, e, t) for s, e, t in r["spans"]} for r in rows}


def pred_sets(rows, label_map):
    return {r["id"]: {(s, e, label_map[t]) for s, e, t in r["spans"] if t in label_map} for r in rows}


def count(gold, pred, types):
    """(tp, fp, fn) per type; a document missing from the predictions predicted nothing."""
    stats = {t: [0, 0, 0] for t in types}
    for doc_id, g in gold.items():
        p = pred.get(doc_id, set())
        for t in types:
            gt, pt = {x for x in g if x[2] == t}, {x for x in p if x[2] == t}
            stats[t][0] += len(gt & pt)
            stats[t][1] += len(pt - gt)
            stats[t][2] += len(gt - pt)
    return stats


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 100 * p, 100 * r, (200 * p * r / (p + r) if p + r else 0.0)


def micro(stats, types):
    return prf(*[sum(stats[t][i] for t in types) for i in range(3)])


def self_check(corpus, pred_rows):
    """spaCy's mapped predictions taken as gold must score F1 100 on every type."""
    label_map = MAPS[corpus]["spacy"]
    as_gold = pred_sets(pred_rows, label_map)
    types = sorted({t for spans in as_gold.values() for _, _, t in spans})
    stats = count(as_gold, pred_sets(pred_rows, label_map), types)
    bad = [t for t in types if prf(*stats[t])[2] != 100.0]
    if bad or not types:
        sys.exit(f"self-check failed on {corpus}: types {bad or 'none predicted'}")


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def table(runs_dir, corpora):
    runs_dir = Path(runs_dir)
    header = "| corpus | measure | " + " | ".join(name for _, name in SYSTEMS) + " |"
    lines = [header, "|" + "---|" * (2 + len(SYSTEMS))]
    checked = []
    for corpus, gold_path in corpora:
        gold_rows = read_jsonl(gold_path)
        gold = gold_sets(gold_rows)
        types = sorted({t for spans in gold.values() for _, _, t in spans})
        n_gold = {t: sum(1 for spans in gold.values() for x in spans if x[2] == t) for t in types}
        results = {}
        for sys_id, _ in SYSTEMS:
            pred_path = runs_dir / f"{corpus}.{sys_id}.jsonl"
            stats_path = runs_dir / f"{corpus}.{sys_id}.stats.json"
            if not (pred_path.exists() and stats_path.exists()):
                continue
            pred_rows = read_jsonl(pred_path)
            missing = len(set(gold) - {r["id"] for r in pred_rows})
            if missing:
                print(f"warning: {corpus}.{sys_id} has no prediction for {missing} documents", file=sys.stderr)
            if sys_id.startswith("spacy"):
                self_check(corpus, pred_rows)
                checked.append(f"{corpus}.{sys_id}")
            counts = count(gold, pred_sets(pred_rows, MAPS[corpus][SCHEME[sys_id]]), types)
            results[sys_id] = (counts, json.loads(stats_path.read_text()))

        def row(label, value):
            cells = [value(*results[s]) if s in results else "n/a" for s, _ in SYSTEMS]
            lines.append(f"| {corpus} | {label} | " + " | ".join(cells) + " |")

        for t in types:
            row(f"{t} F1 (n={n_gold[t]})", lambda c, _s, t=t: fmt(prf(*c[t])[2]))
        if corpus in NER_TYPES:
            ner = NER_TYPES[corpus]
            row(f"micro F1 {'/'.join(ner)}", lambda c, _s: fmt(micro(c, ner)[2]))
        row("micro P / R / **F1**, all types",
            lambda c, _s: "{:.1f} / {:.1f} / **{:.1f}**".format(*micro(c, types)))
        row("words / CPU-s", lambda _c, s: fmt(s["words"] / s["cpu_s"], 0) if s["cpu_s"] else "n/a")
        def ratio(ours, theirs):
            if ours not in results or theirs not in results:
                return "n/a"
            a, b = results[ours][1], results[theirs][1]
            return f"{(a['words'] / a['cpu_s']) / (b['words'] / b['cpu_s']):.2f}×"
        lines.append(f"| {corpus} | words/CPU-s, Humdex ÷ spaCy | {ratio('humdex-ner', 'spacy-ner')} "
                     f"| {ratio('humdex-full', 'spacy-full')} | | |")
        # The target: the whole Humdex pipeline against spaCy's NER alone.
        lines.append(f"| {corpus} | words/CPU-s, Humdex full ÷ spaCy NER | | "
                     f"{ratio('humdex-full', 'spacy-ner')} | | |")
        row("load s", lambda _c, s: fmt(s["load_s"], 2))
        row("peak RSS MB", lambda _c, s: fmt(s["peak_rss_kb"] / 1024, 0))
        words = next(iter(results.values()))[1]["words"] if results else 0
        print(f"{corpus}: {len(gold_rows)} documents, {words} words, {sum(n_gold.values())} gold spans",
              file=sys.stderr)
    print(f"self-check (spaCy scored against itself = F1 100): ok for {', '.join(checked) or 'no runs'}",
          file=sys.stderr)
    print("\n".join(lines))


def wnut(src, out):
    from corpus import read_wnut

    with open(out, "w", encoding="utf-8") as f:
        for doc_id, text, spans in read_wnut(src):
            f.write(json.dumps({"id": doc_id, "text": text, "spans": spans}, ensure_ascii=False) + "\n")


def main():
    cmd, *args = sys.argv[1:] or [""]
    if cmd == "wnut" and len(args) == 2:
        wnut(*args)
    elif cmd == "table" and len(args) >= 2:
        table(args[0], [tuple(a.split("=", 1)) for a in args[1:]])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
