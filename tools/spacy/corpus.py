"""Shared readers for the NER corpora: WNUT-17 in CoNLL format, detokenised into running text."""

NO_SPACE_BEFORE = {",", ".", ":", ";", ")", "]", "'s", "'", "%", "n't", "?", "!", "'re", "'ll", "'ve", "'m", "'d"}
NO_SPACE_AFTER = {"(", "[", "$", "#", "@"}


def read_conll(path):
    sents, cur = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if cur:
                sents.append(cur)
            cur = []
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if parts[0] == "-DOCSTART-":
            continue
        cur.append((parts[0], parts[-1]))
    if cur:
        sents.append(cur)
    return sents


def detokenise(words):
    """Running text for gold tokens, with each token's character span."""
    text, spans = "", []
    for i, w in enumerate(words):
        spans.append((len(text), len(text) + len(w)))
        text += w
        nxt = words[i + 1] if i + 1 < len(words) else None
        if not (nxt is None or nxt in NO_SPACE_BEFORE or w in NO_SPACE_AFTER):
            text += " "
    return text, spans


def tag_spans(tags):
    """(first, last + 1, type) token ranges from IOB2 tags."""
    spans, start, typ = [], None, None
    for i, t in enumerate(list(tags) + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != typ):
            if start is not None:
                spans.append((start, i, typ))
                start, typ = None, None
            if t != "O":
                start, typ = i, t[2:]
    return spans


def read_wnut(path):
    """(id, text, gold [[start, end, type]]) per WNUT-17 sentence, character offsets in the detokenised text."""
    for n, sent in enumerate(read_conll(path)):
        words = [w for w, _ in sent]
        text, spans = detokenise(words)
        gold = [[spans[a][0], spans[b - 1][1], typ] for a, b, typ in tag_spans([t for _, t in sent])]
        yield f"wnut17-test-{n}", text, gold
