"""Write the labelled synthetic trafficking corpus: crates/humdex-text/tests/data/trafficking.jsonl.

usage: python tools/corpus/make_trafficking.py [OUT.jsonl]

Deterministic (fixed seed). Each document is a few sentences drawn from one genre's templates (templates.py), their
slots filled from fillers.py with a per-document cast, so a name, city or phone recurs consistently inside a
document. Each line: {"id", "genre", "text", "spans": [[start, end, type], ...]} with character offsets, following
crates/humdex-text/SPANS.md. Needs `phonenumbers` (every phone is checked valid).
"""
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import phonenumbers

import fillers as F
import wallets
from templates import GENRES

SEED = 20260105
DOCS_PER_GENRE = 50
OUT = Path(__file__).resolve().parents[2] / "crates/humdex-text/tests/data/trafficking.jsonl"

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DIGIT_WORDS = {"0": ["zero", "oh"], "1": ["one", "0ne"], "2": ["two", "tw0"], "3": ["three"], "4": ["four", "f0ur"],
               "5": ["five"], "6": ["six"], "7": ["seven"], "8": ["eight"], "9": ["nine"]}
ORGS_GOV = ["Philippine Overseas Employment Administration", "Department of Migrant Workers",
            "Ministry of Labour and Employment"]
LABOR_LAW = ["Department of Labor", "Wage and Hour Division", "Occupational Safety and Health Administration"]
HANDLE_STEMS = ["sweet", "baby", "boss", "vip", "dream", "honey", "lil", "real", "xo", "queen", "money", "luv"]


class Doc:
    """One document's cast and random source: slots named in SLOTS draw from here."""

    def __init__(self, rng):
        self.rng = rng
        people = rng.sample(F.PEOPLE, 9)
        for role, p in zip(["victim", "victim2", "suspect", "suspect2", "officer", "caller", "witness", "advocate",
                            "recruiter"], people):
            setattr(self, role, p)
        self.adnames = rng.sample(F.AD_NAMES, 2)
        self.cities = rng.sample(F.US_CITIES, 4)
        self.origins = rng.sample(F.ORIGINS, 3)
        self.abroad = rng.choice(F.ABROAD)
        self.ngos = rng.sample(F.NGOS, 2)
        self.memo = {}

    def once(self, key, make):
        """The same filler each time a slot recurs in the document."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]


def plain(text, typ):
    return [(text, typ)]


def date(rng):
    y, m, d = rng.choice([2024, 2025, 2026]), rng.randrange(12), rng.randint(1, 28)
    month = MONTHS[m]
    suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    forms = [f"{month} {d}, {y}", f"{month[:3]} {d}, {y}", f"{y}-{m + 1:02d}-{d:02d}", f"{m + 1:02d}/{d:02d}/{y}",
             f"{d} {month} {y}", f"{month} {d}{suffix}", f"{d} {month}"]
    return plain(rng.choice(forms), "date")


def age(rng, lo, hi, forms):
    n = rng.randint(lo, hi)
    return plain(rng.choice(forms).format(n=n), "age")


AD_AGE = ["{n}yo", "{n} y/o", "{n}y/o", "age {n}", "{n} years old", "{n} yo"]
REPORT_AGE = ["{n} years old", "age {n}", "aged {n}"]


def us_number(rng, city):
    while True:
        area = rng.choice(city[3])
        exch = rng.randint(201, 989)
        line = rng.randint(0, 9999)
        if exch % 100 == 11 or exch == 555:
            continue
        digits = f"{area}{exch}{line:04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse("+1" + digits)):
            return digits


def phone(rng, city):
    d = us_number(rng, city)
    a, e, n = d[:3], d[3:6], d[6:]
    forms = [f"({a}) {e}-{n}", f"{a}-{e}-{n}", f"{a}.{e}.{n}", f"{a} {e} {n}", f"+1 {a}-{e}-{n}", f"+1{d}", d,
             f"1-{a}-{e}-{n}", f"({a}){e}-{n}"]
    return plain(rng.choice(forms), "phone")


def phone_obf(rng, city):
    d = us_number(rng, city)
    groups = [d[:3], d[3:6], d[6:]]
    while True:
        out = ["".join(rng.choice(DIGIT_WORDS[c]) if rng.random() < 0.4 else c for c in g) for g in groups]
        if any(not g.isdigit() for g in out):
            break
    sep = rng.choice([" ", "-", ".", " ", "  "])
    return plain(sep.join(out), "phone")


def phone_intl(rng, origin):
    while True:
        nat = rng.choice(origin[5])
        digits = re.sub(r"\D", "", nat)
        # Keep the number's shape, vary its last three digits.
        varied = digits[:-3] + f"{rng.randrange(1000):03d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+{origin[4]}{varied}")):
            break
    out, i = "", 0
    for ch in nat:
        if ch.isdigit():
            out += varied[i]
            i += 1
        else:
            out += ch
    return plain(f"+{origin[4]} {out}", "phone")


def money(rng, kind):
    def amt(lo, hi, step):
        return rng.randrange(lo, hi, step)

    def fmt(n):
        return f"{n:,}"

    if kind == "small":
        n = amt(50, 1200, 10)
        forms = [f"${fmt(n)}", f"{n} dollars", f"{n} USD", f"€{fmt(n)}", f"£{fmt(n)}", f"${fmt(n)}"]
    elif kind == "ad":
        n = amt(100, 600, 20)
        forms = [f"${n}", f"{n} dollars", f"${n}"]
    elif kind == "big":
        n = amt(2000, 60000, 10)
        forms = [f"${fmt(n)}", f"${fmt(n)}", f"{fmt(n)} USD"]
    elif kind == "debt":
        n = amt(3000, 60000, 500)
        forms = [f"${fmt(n)}", f"{fmt(n)} dollars", f"€{fmt(n)}", f"{fmt(n * 18)} pesos", f"${fmt(n)}"]
    elif kind == "wage":
        n = amt(300, 2000, 50)
        forms = [f"${fmt(n)}/month", f"${fmt(n)}", f"{fmt(n)} USD", f"€{fmt(n)}"]
    elif kind == "rate":
        forms = [f"${rng.randint(1, 4)}/hour", f"${rng.randint(1, 4)}/hr", f"${rng.randrange(20, 60, 5)}/day"]
    elif kind == "fee":
        n = amt(500, 8000, 100)
        forms = [f"${fmt(n)}", f"{fmt(n * 55)} pesos", f"₱{fmt(n * 55)}", f"{fmt(n)} USD", f"${fmt(n)}"]
    else:
        n = amt(1500, 6000, 100)
        forms = [f"${fmt(n)}", f"€{fmt(n)}", f"{fmt(n)} USD", f"${fmt(n)}"]
    return plain(rng.choice(forms), "money")


def ad_price(rng, unit):
    if unit == "roses":
        return plain(f"{rng.randrange(100, 400, 20)} roses", "money")
    if unit == "hh":
        return plain(f"{rng.randrange(60, 160, 10)}hh", "money")
    return plain(f"{rng.randrange(120, 400, 10)}hr", "money")


def coords(rng, city):
    lat, lon = city[4] + rng.uniform(-0.08, 0.08), city[5] + rng.uniform(-0.08, 0.08)
    if rng.random() < 0.25:
        def dms(v):
            v = abs(v)
            d, m = int(v), int(v * 60) % 60
            return f"{d}°{m:02d}'{int(v * 3600) % 60:02d}\""
        return plain(f"{dms(lat)}N {dms(lon)}W", "coordinates")
    p = rng.choice([4, 5, 6])
    return plain(rng.choice([f"{lat:.{p}f}, {lon:.{p}f}", f"{lat:.{p}f},{lon:.{p}f}"]), "coordinates")


def plate(rng):
    L = "ABCDEFGHJKLMNPRSTUVWXYZ"

    def letters(k):
        return "".join(rng.choice(L) for _ in range(k))

    def digits(k):
        return "".join(str(rng.randrange(10)) for _ in range(k))

    forms = [f"{rng.randint(1, 9)}{letters(3)}{digits(3)}", f"{letters(3)}-{digits(4)}", f"{letters(3)} {digits(4)}",
             f"{letters(3)}{digits(4)}", f"{letters(2)}{digits(2)} {letters(3)}"]
    return plain(rng.choice(forms), "plate")


def handle_name(rng, d):
    stem = rng.choice([d.adnames[0].lower(), rng.choice(HANDLE_STEMS), d.suspect[1].lower()])
    tail = rng.choice([f"{rng.randint(1, 99)}", "_xo", "_vip", ".luv", f"_{rng.randint(80, 99)}", "4u", "_official"])
    mid = rng.choice(["", "_", ".", rng.choice(HANDLE_STEMS)])
    if not mid.isalpha() and not tail[0].isalnum():
        mid = ""
    return f"{stem}{mid}{tail}"


def email(rng, d, obfuscate):
    agency = d.once("agency", lambda: rng.choice(F.AGENCIES))
    user = rng.choice([handle_name(rng, d), f"{d.recruiter[1].lower()}.{d.recruiter[2].lower().replace(' ', '')}",
                       "hr", "jobs", "casting", "info"])
    domain = rng.choice(["gmail.com", "yahoo.com", "outlook.com", "protonmail.com",
                         re.sub(r"[^a-z]+", "-", agency.lower()) + rng.choice([".com", ".net"])])
    if not obfuscate:
        return plain(f"{user}@{domain}", "email")
    name, tld = domain.rsplit(".", 1)
    form = rng.choice(["{u} at {n} dot {t}", "{u}[at]{n}[.]{t}", "{u} (at) {n} (dot) {t}", "{u}[at]{n}.{t}"])
    return plain(form.format(u=user, n=name, t=tld), "email")


def url(rng, d):
    slug = rng.choice([re.sub(r"[^a-z]+", "-", d.once("agency", lambda: rng.choice(F.AGENCIES)).lower()),
                       f"{d.adnames[0].lower()}-{d.cities[0][0].lower().replace(' ', '')}",
                       f"{rng.choice(HANDLE_STEMS)}{rng.choice(['dates', 'escorts', 'jobs', 'models'])}"])
    tld = rng.choice([".com", ".net", ".org", ".io"])
    path = rng.choice(["", "/apply", f"/profile/{rng.randint(100, 99999)}", "/jobs?ref=" + str(rng.randint(1, 99)),
                       "/gallery"])
    return plain(rng.choice(["https://www.", "http://", "https://", "www."]) + slug + tld + path, "url")


def crypto(rng, chain):
    make = {"btc": wallets.bitcoin, "eth": wallets.ethereum, "xmr": wallets.monero_random}
    return plain(make[chain](rng), "crypto")


def place(city, region):
    return [(city, "location"), (", ", None), (region, "location")]


def nat_plural(origin):
    if origin[1]:
        return plain(origin[1], "nationality")
    return [(origin[0], "nationality"), (" nationals", None)]


def slots(d):
    """Slot name → filler, as a list of (text, type or None) pieces."""
    r = d.rng
    home = d.cities[0]
    o = d.origins[0]
    return {
        "emoji": lambda: plain(r.choice(F.EMOJI), None),
        "adname": lambda: plain(d.adnames[0], "person"),
        "adname2": lambda: plain(d.adnames[1], "person"),
        "victim": lambda: plain(d.victim[0], "person"),
        "victim_given": lambda: plain(d.victim[1], "person"),
        "victim2": lambda: plain(d.victim2[0], "person"),
        "suspect": lambda: plain(d.suspect[0], "person"),
        "suspect_given": lambda: plain(d.suspect[1], "person"),
        "suspect_family": lambda: plain(d.suspect[2], "person"),
        "suspect2": lambda: plain(d.suspect2[0], "person"),
        "officer": lambda: plain(d.officer[0], "person"),
        "caller": lambda: plain(d.caller[0], "person"),
        "witness": lambda: plain(d.witness[0], "person"),
        "advocate": lambda: plain(d.advocate[0], "person"),
        "recruiter": lambda: plain(d.recruiter[0], "person"),
        "city": lambda: plain(home[0], "location"),
        "city2": lambda: plain(d.cities[1][0], "location"),
        "city3": lambda: plain(d.cities[2][0], "location"),
        "city_st": lambda: place(home[0], r.choice([home[1], home[1], home[2]])),
        "other_city_st": lambda: place(d.cities[3][0], d.cities[3][1]),
        "state": lambda: plain(home[2], "location"),
        "street": lambda: d.once("street", lambda: plain(r.choice(F.STREETS), "location")),
        "nat": lambda: plain(o[0], "nationality"),
        "nat2": lambda: plain(d.origins[1][0], "nationality"),
        "nat_pl": lambda: nat_plural(o),
        "origin_country": lambda: plain(o[2], "location"),
        "origin_country2": lambda: plain(d.origins[1][2], "location"),
        "origin_city": lambda: d.once("ocity", lambda: plain(r.choice(o[3]), "location")),
        "origin_city_country": lambda: place(d.once("ocity", lambda: plain(r.choice(o[3]), "location"))[0][0], o[2]),
        "abroad_city": lambda: plain(d.abroad[0], "location"),
        "abroad_country": lambda: plain(d.abroad[1], "location"),
        "phone": lambda: phone(r, home),
        "phone2": lambda: phone(r, r.choice(d.cities)),
        "phone_obf": lambda: phone_obf(r, home),
        "phone_intl": lambda: phone_intl(r, o),
        "phone_hotline": lambda: plain(r.choice(["1-888-373-7888", "1 (888) 373-7888", "888-373-7888"]), "phone"),
        "email": lambda: email(r, d, False),
        "email_obf": lambda: email(r, d, True),
        "url": lambda: url(r, d),
        "coords": lambda: coords(r, home),
        "coords2": lambda: coords(r, r.choice(d.cities)),
        "money": lambda: money(r, "small"),
        "money_ad": lambda: money(r, "ad"),
        "money_big": lambda: money(r, "big"),
        "debt": lambda: money(r, "debt"),
        "wage": lambda: money(r, "wage"),
        "wage_rate": lambda: money(r, "rate"),
        "fee": lambda: money(r, "fee"),
        "salary": lambda: money(r, "salary"),
        "price_code": lambda: ad_price(r, r.choice(["roses", "hh", "hr"])),
        "price_code2": lambda: ad_price(r, r.choice(["roses", "hr"])),
        "roses": lambda: ad_price(r, "roses"),
        "price_hh": lambda: ad_price(r, "hh"),
        "price_hr": lambda: ad_price(r, "hr"),
        "date": lambda: date(r),
        "age": lambda: age(r, 18, 26, AD_AGE),
        "age2": lambda: age(r, 18, 26, AD_AGE),
        "age_minor": lambda: d.once("minor", lambda: age(r, 13, 17, REPORT_AGE)),
        "age_attr": lambda: d.once("minor_attr", lambda: age(r, 13, 17, ["{n}-year-old"])),
        "age_adult": lambda: age(r, 19, 58, REPORT_AGE),
        "age_job": lambda: age(r, 18, 21, ["{n} years old", "aged {n}", "age {n}"]),
        "crypto": lambda: crypto(r, r.choice(["btc", "btc", "eth", "xmr"])),
        "crypto_btc": lambda: crypto(r, "btc"),
        "crypto_eth": lambda: crypto(r, "eth"),
        "crypto_xmr": lambda: crypto(r, "xmr"),
        "handle": lambda: plain(handle_name(r, d), "handle"),
        "at_handle": lambda: plain("@" + handle_name(r, d), "handle"),
        "plate": lambda: plain(d.once("plate", lambda: plate(r))[0][0], "plate"),
        "weapon": lambda: d.once("weapon", lambda: plain(r.choice(F.WEAPONS), "weapon")),
        "weapon2": lambda: plain(r.choice(F.WEAPONS), "weapon"),
        "vehicle": lambda: d.once("vehicle", lambda: plain(r.choice(F.VEHICLES), None)),
        "ngo": lambda: plain(d.ngos[0], "organization"),
        "ngo2": lambda: plain(d.ngos[1], "organization"),
        "law": lambda: d.once("law", lambda: plain(r.choice(F.LAW), "organization")),
        "law_pd": lambda: d.once("law_pd", lambda: plain(r.choice([l for l in F.LAW if "Police" in l or
                                                                    l in ("NYPD", "LAPD")]), "organization")),
        "law_labor": lambda: d.once("law_labor", lambda: plain(r.choice(LABOR_LAW), "organization")),
        "agency": lambda: plain(d.once("agency", lambda: r.choice(F.AGENCIES)), "organization"),
        "business": lambda: d.once("business", lambda: plain(r.choice(F.BUSINESSES), "organization")),
        "money_service": lambda: plain(r.choice(F.MONEY_SERVICES), "organization"),
        "regulator": lambda: plain(r.choice(ORGS_GOV), "organization"),
    }


SLOT = re.compile(r"\{(\w+)\}")


def render(template, fill):
    """Text and typed spans of one filled template."""
    pieces, pos = [], 0
    for m in SLOT.finditer(template):
        pieces.append((template[pos:m.start()], None))
        pieces.extend(fill[m.group(1)]())
        pos = m.end()
    pieces.append((template[pos:], None))
    return pieces


def make_doc(rng, genre, templates, n):
    d = Doc(rng)
    fill = slots(d)
    opening = [t for s, t in templates if s == 0]
    body = [t for s, t in templates if s == 1]
    closing = [t for s, t in templates if s == 2]
    chosen = [rng.choice(opening)] + rng.sample(body, rng.randint(3, 7))
    if rng.random() < 0.7:
        chosen.append(rng.choice(closing))
    sep = rng.choice(["\n", "\n", " "]) if genre in ("sex_ad", "job_scam") else rng.choice([" ", " ", "\n"])
    text, spans = "", []
    for i, t in enumerate(chosen):
        if i:
            text += sep
        for piece, typ in render(t, fill):
            if typ:
                spans.append([len(text), len(text) + len(piece), typ, piece])
            text += piece
    return {"id": f"traffick-{genre}-{n:03d}", "genre": genre, "text": text, "spans": spans}


# Marks of a pattern type that must never be left unlabelled.
LEAKS = re.compile(r"\d{5,}|@|https?:|www\.|\d{3}[-. ]\d{4}|\b(?:bc1|0x)[0-9a-z]|\d+ ?(?:yo|y/o|roses|hh|hr)\b|\$\d")
# Capitalised words the templates may contain without naming anything: cue words, languages, shouting.
SAFE_CAPS = {"I'm", "English", "T", "IG", "CV", "USDT", "Det", "NEW", "IN", "TOWN", "URGENT", "HIRING", "No",
             "Serious", "Screening", "Girls", "Questions", "Pics", "Email", "Txt", "Text", "Deposit", "Generous",
             "Reporting", "Client", "Advocate", "Rates", "Donations", "Specials", "Available", "Only", "Incall",
             "Follow", "Add", "Call", "See", "Ask", "Salary", "Contact", "Apply", "Send", "Interviews", "Registration",
             "Pay", "Departure", "Sweet", "Fresh", "Recruiting", "Modeling", "Accommodation", "Speak", "Licensed", "Applicants", "Share", "More", "Don't"}


def check(docs):
    """Spans in range, in order, not overlapping, equal to their fillers; nothing pattern-like left unlabelled."""
    for doc in docs:
        text, end = doc["text"], 0
        unlabelled = []
        for s, e, typ, piece in doc["spans"]:
            assert 0 <= s < e <= len(text) and s >= end, (doc["id"], s, e)
            assert text[s:e] == piece and piece == piece.strip(), (doc["id"], piece)
            unlabelled.append(text[end:s])
            end = e
        unlabelled.append(text[end:])
        for chunk in unlabelled:
            assert not LEAKS.search(chunk), (doc["id"], chunk)
    for genre, templates in GENRES.items():
        for _, t in templates:
            literal = SLOT.sub(" ", t)
            for m in re.finditer(r"(?<![.!?:]\s)(?<!^)\b[A-Z][\w']*", literal):
                if m.group() not in SAFE_CAPS and m.start() > 0:
                    print(f"check: capitalised literal {m.group()!r} in {genre}: {t}", file=sys.stderr)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    rng = random.Random(SEED)
    docs = [make_doc(rng, g, ts, i) for g, ts in GENRES.items() for i in range(DOCS_PER_GENRE)]
    check(docs)
    counts = Counter(typ for doc in docs for *_, typ, _ in doc["spans"])
    with open(out, "w", encoding="utf-8") as f:
        for doc in docs:
            doc["spans"] = [[s, e, typ] for s, e, typ, _ in doc["spans"]]
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    n_templates = sum(len(ts) for ts in GENRES.values())
    print(f"{len(docs)} documents from {n_templates} templates; spans: {dict(sorted(counts.items()))}",
          file=sys.stderr)
    short = [t for t, c in counts.items() if c < 40]
    assert not short, f"fewer than 40 spans: {short}"


if __name__ == "__main__":
    main()
