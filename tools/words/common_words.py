"""Writes crates/humdex-text/data/common-words.txt from SCOWL (Debian package wamerican).

The list holds lower-case English words that SCOWL does not also list capitalised as a name: a
sentence-initial "Victim" or "Caller" that the NER model calls a person is such a word, while
"Amber" or "Joy" (listed as names too) are not in it.

usage: python tools/words/common_words.py [/usr/share/dict/american-english] > crates/humdex-text/data/common-words.txt
"""
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/american-english"
words = [line.strip() for line in open(path, encoding="utf-8")]
names = {w.lower() for w in words if w[:1].isupper()}
common = sorted(w for w in words if w.isascii() and w.isalpha() and w.islower() and len(w) >= 2 and w not in names)
print("# Lower-case SCOWL words (Debian wamerican) that SCOWL does not also list as names; see README.md")
print("\n".join(common))
