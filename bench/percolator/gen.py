#!/usr/bin/env python3
# Our team's research generator, copied from shared/research/percolator-baseline/gen.py so that
# bench/percolator.sh needs nothing outside the repository.
"""Deterministic synthetic corpus + stored-query generator for percolator benchmarks.

Docs: one per line, whitespace tokens from a Zipf(1.0) vocabulary (like natural text).
Queries: Lucene classic-syntax subset shared by the Java baseline and the Rust prototype:
  single term          t123
  conjunction          +t1 +t2 [+t3]
  conj with NOT        +t1 +t2 -t3
  phrase               "t1 t2"
  required + any-of    +t1 +(t2 t3 t4)
  phrase + term        +"t1 t2" +t3
About 1/3 of queries take their terms from a real document (so some will match);
the rest draw mid/low-frequency terms (realistic watch-list entities).
Also writes termfreq.tsv (doc frequency per term over the corpus) for anchor choice.
"""
import random, sys, bisect, collections

seed = int(sys.argv[4]) if len(sys.argv) > 4 else 42
ndocs = int(sys.argv[1]); nq = int(sys.argv[2]); out = sys.argv[3]
rng = random.Random(seed)
V = 200_000
# Zipf(1.0) CDF
w = [1.0 / (r + 1) for r in range(V)]
cdf = []; s = 0.0
for x in w:
    s += x; cdf.append(s)
def ztok():
    return "t%d" % bisect.bisect_left(cdf, rng.random() * s)

docs = []
with open(f"{out}/docs.txt", "w") as f:
    for i in range(ndocs):
        n = rng.randint(150, 450)
        toks = [ztok() for _ in range(n)]
        docs.append(toks)
        f.write(" ".join(toks) + "\n")

df = collections.Counter()
for d in docs:
    df.update(set(d))
with open(f"{out}/termfreq.tsv", "w") as f:
    for t, c in df.items():
        f.write(f"{t}\t{c}\n")

def midtok():
    # entity-like: ranks 2_000 .. 200_000 (rare-ish), uniform in log-rank
    import math
    r = int(math.exp(rng.uniform(math.log(2000), math.log(V - 1))))
    return "t%d" % r

def doc_terms():
    d = docs[rng.randrange(ndocs)]
    return d

def q_from(kind, src):
    if src:
        d = doc_terms()
        rk = lambda t: int(t[1:])
        cand = [t for t in d if rk(t) >= 1000] or d
        pick = lambda: cand[rng.randrange(len(cand))]
        bis = [(d[i], d[i + 1]) for i in range(len(d) - 1)
               if min(rk(d[i]), rk(d[i + 1])) >= 200 and max(rk(d[i]), rk(d[i + 1])) >= 1000]
        bigram = bis[rng.randrange(len(bis))] if bis else (pick(), pick())
    else:
        pick = midtok
        bigram = (midtok(), midtok())
    if kind == 0:
        return pick()
    if kind == 1:
        k = rng.choice([2, 2, 3])
        return " ".join("+" + pick() for _ in range(k))
    if kind == 2:
        return "+%s +%s -%s" % (pick(), pick(), midtok())
    if kind == 3:
        return '"%s %s"' % bigram
    if kind == 4:
        return "+%s +(%s %s %s)" % (pick(), pick(), pick(), pick())
    return '+"%s %s" +%s' % (bigram[0], bigram[1], pick())

with open(f"{out}/queries.txt", "w") as f:
    for i in range(nq):
        kind = rng.choices(range(6), weights=[10, 35, 10, 20, 15, 10])[0]
        src = rng.random() < 0.33
        f.write(q_from(kind, src) + "\n")
print("ok", ndocs, nq)
