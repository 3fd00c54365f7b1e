//! A port of spaCy's English tokenizer, as `en_core_web_sm` 3.8.0 configures it: the same prefix, suffix and
//! infix patterns, URL match and special cases (exported by `tools/spacy/export_tokenizer.py`), applied by the
//! same algorithm, so the tokens are spaCy's to the byte.
//!
//! The text is cut into chunks of non-space and of space characters, a single `' '` after a chunk being the
//! token's trailing space. A chunk that is a special case becomes its tokens; otherwise prefixes and suffixes are
//! split off in turn until none is left or the rest is a special case, and the core is split at its infixes
//! unless it is a URL. Last, special cases whose text the chunking split into several tokens ("x:)" → "x", ":)")
//! are found among the tokens and merged, as spaCy's special-case matcher does.

mod affix;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

use serde::Deserialize;

use affix::{Affixes, Alternative};

const RULES: &str = include_str!("../data/tokenizer.json");
/// Longer chunks are not cached: they rarely repeat.
const CACHE_CHUNK_LEN: usize = 64;
const CACHE_ENTRIES: usize = 50_000;

/// Why the embedded rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// The rules file is malformed.
    #[error("tokenizer rules: {0}")]
    Rules(#[from] serde_json::Error),
    /// A pattern does not compile.
    #[error("tokenizer pattern: {0}")]
    Regex(#[from] regex::Error),
    /// A pattern with look-around does not compile.
    #[error("tokenizer pattern: {0}")]
    Fancy(#[from] Box<fancy_regex::Error>),
}

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'t> {
    /// Byte range in the text.
    pub span: Range<usize>,
    /// The NORM a special case sets for this token ("gonna" → "going", "to"), if any.
    pub norm: Option<&'t str>,
}

/// spaCy's English tokenizer.
pub struct Tokenizer {
    prefix: Affixes,
    suffix: Affixes,
    infix: Affixes,
    url: fancy_regex::Regex,
    specials: HashMap<Box<str>, Box<[Piece]>>,
    longest_special: usize,
    norms: Vec<Box<str>>,
    /// The special cases the final matcher looks for, as the tokens they get without special cases, keyed by the
    /// first token.
    matcher: HashMap<Box<str>, Vec<Phrase>>,
    /// Chunk → tokens, like spaCy's cache. Skipped rather than waited for when another thread holds it.
    cache: Mutex<HashMap<Box<str>, Box<[Piece]>>>,
}

/// A token sequence of the special-case matcher.
type Phrase = Box<[Box<str>]>;

/// A special case: its text, and each token's text and norm.
type Special = (String, Vec<(String, Option<String>)>);

/// A token of a chunk: its length in bytes and the index of its special-case norm.
#[derive(Debug, Clone, Copy)]
struct Piece {
    len: usize,
    norm: Option<usize>,
}

/// A token of the text being tokenized.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    norm: Option<usize>,
}

#[derive(Deserialize)]
struct Rules {
    prefix: Vec<Alternative>,
    suffix: Vec<Alternative>,
    infix: Vec<Alternative>,
    url_match: String,
    specials: Vec<Special>,
}

/// Python's `str.isspace`: Unicode White_Space plus the four information separators.
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

fn push(out: &mut Vec<Tok>, mut at: usize, pieces: &[Piece]) {
    for p in pieces {
        out.push(Tok {
            start: at,
            end: at + p.len,
            norm: p.norm,
        });
        at += p.len;
    }
}

fn whole(s: &str) -> Piece {
    Piece {
        len: s.len(),
        norm: None,
    }
}

impl Tokenizer {
    /// spaCy's English tokenizer, from the embedded rules.
    pub fn english() -> Result<Tokenizer, TokenizerError> {
        let rules: Rules = serde_json::from_str(RULES)?;
        let mut norms = Vec::new();
        let mut specials: HashMap<Box<str>, Box<[Piece]>> = HashMap::new();
        for (chunk, tokens) in &rules.specials {
            let pieces = tokens
                .iter()
                .map(|(orth, norm)| Piece {
                    len: orth.len(),
                    norm: norm.as_deref().map(|n| {
                        norms.push(Box::from(n));
                        norms.len() - 1
                    }),
                })
                .collect();
            specials.insert(Box::from(chunk.as_str()), pieces);
        }
        let mut tokenizer = Tokenizer {
            prefix: Affixes::new(&rules.prefix)?,
            suffix: Affixes::new(&rules.suffix)?,
            infix: Affixes::new(&rules.infix)?,
            url: fancy_regex::Regex::new(&rules.url_match).map_err(Box::new)?,
            longest_special: specials.keys().map(|k| k.len()).max().unwrap_or(0),
            specials,
            norms,
            matcher: HashMap::new(),
            cache: Mutex::new(HashMap::new()),
        };
        // spaCy's `faster_heuristics`: only special cases with an affix, an infix or a space can be split apart.
        let mut matcher: HashMap<Box<str>, Vec<Phrase>> = HashMap::new();
        for (chunk, _) in &rules.specials {
            let affixed = tokenizer
                .prefix
                .search(chunk, 0)
                .is_some_and(|m| !m.is_empty())
                || tokenizer
                    .suffix
                    .search(chunk, 0)
                    .is_some_and(|m| !m.is_empty())
                || tokenizer.infix.search(chunk, 0).is_some()
                || chunk.contains(' ');
            if affixed {
                let mut toks = Vec::new();
                tokenizer.tokenize_affixes(chunk, false, &mut toks);
                let words: Phrase = toks
                    .iter()
                    .filter_map(|t| chunk.get(t.start..t.end))
                    .map(Box::from)
                    .collect();
                if let Some(first) = words.first() {
                    matcher.entry(first.clone()).or_default().push(words);
                }
            }
        }
        tokenizer.matcher = matcher;
        Ok(tokenizer)
    }

    /// The tokens of `text`, in order; spaces other than a single `' '` after a token are tokens too.
    pub fn tokenize<'t>(&'t self, text: &str) -> Vec<Token<'t>> {
        let mut toks = Vec::new();
        self.tokenize_affixes(text, true, &mut toks);
        self.merge_special_cases(text, &mut toks);
        toks.into_iter()
            .map(|t| Token {
                span: t.start..t.end,
                norm: t.norm.and_then(|i| self.norms.get(i)).map(AsRef::as_ref),
            })
            .collect()
    }

    /// spaCy's `_tokenize_affixes`: chunks at every change between space and non-space, a single `' '` after a
    /// chunk being dropped as its trailing space.
    fn tokenize_affixes(&self, text: &str, specials: bool, out: &mut Vec<Tok>) {
        let mut in_space = text.chars().next().is_some_and(is_space);
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if is_space(c) != in_space {
                if start < i {
                    self.chunk(text, start..i, specials, out);
                }
                start = if c == ' ' { i + 1 } else { i };
                in_space = !in_space;
            }
        }
        if start < text.len() {
            self.chunk(text, start..text.len(), specials, out);
        }
    }

    fn chunk(&self, text: &str, range: Range<usize>, specials: bool, out: &mut Vec<Tok>) {
        let Some(s) = text.get(range.clone()) else {
            return;
        };
        let cacheable = specials && s.len() <= CACHE_CHUNK_LEN;
        if cacheable
            && let Some(pieces) = self.cache.try_lock().ok().as_ref().and_then(|c| c.get(s))
        {
            push(out, range.start, pieces);
            return;
        }
        let mut pieces = Vec::new();
        self.split_chunk(s, specials, &mut pieces);
        push(out, range.start, &pieces);
        if cacheable
            && let Ok(mut cache) = self.cache.try_lock()
            && cache.len() < CACHE_ENTRIES
        {
            cache.insert(Box::from(s), pieces.into());
        }
    }

    fn special(&self, s: &str, specials: bool) -> Option<&[Piece]> {
        // The length check saves hashing long texts, which would make stripping affixes quadratic.
        (specials && s.len() <= self.longest_special)
            .then(|| self.specials.get(s))
            .flatten()
            .map(AsRef::as_ref)
    }

    fn split_chunk(&self, s: &str, specials: bool, pieces: &mut Vec<Piece>) {
        if let Some(special) = self.special(s, specials) {
            pieces.extend_from_slice(special);
            return;
        }
        let (mut prefixes, mut suffixes) = (Vec::new(), Vec::new());
        let core = self.split_affixes(s, specials, &mut prefixes, &mut suffixes);
        pieces.extend(prefixes.into_iter().map(|len| Piece { len, norm: None }));
        self.attach(core, specials, pieces);
        pieces.extend(
            suffixes
                .into_iter()
                .rev()
                .map(|len| Piece { len, norm: None }),
        );
    }

    /// spaCy's `_split_affixes`: strips a prefix and a suffix per round, stopping early at a special case.
    fn split_affixes<'s>(
        &self,
        mut s: &'s str,
        specials: bool,
        prefixes: &mut Vec<usize>,
        suffixes: &mut Vec<usize>,
    ) -> &'s str {
        let mut last_len = 0;
        while !s.is_empty() && s.len() != last_len {
            if self.special(s, specials).is_some() {
                break;
            }
            last_len = s.len();
            let pre = self.prefix.search(s, 0).map_or(0, |m| m.len());
            let minus_pre = s.get(pre..).unwrap_or_default();
            if pre != 0 && !minus_pre.is_empty() && self.special(minus_pre, specials).is_some() {
                prefixes.push(pre);
                s = minus_pre;
                break;
            }
            let suf = self.suffix.search(minus_pre, 0).map_or(0, |m| m.len());
            let minus_suf = s.get(..s.len().saturating_sub(suf)).unwrap_or_default();
            if suf != 0 && !minus_suf.is_empty() && self.special(minus_suf, specials).is_some() {
                suffixes.push(suf);
                s = minus_suf;
                break;
            }
            if pre != 0 && suf != 0 && pre + suf <= s.len() {
                prefixes.push(pre);
                suffixes.push(suf);
                s = s.get(pre..s.len() - suf).unwrap_or_default();
            } else if pre != 0 {
                prefixes.push(pre);
                s = minus_pre;
            } else if suf != 0 {
                suffixes.push(suf);
                s = minus_suf;
            }
        }
        s
    }

    /// spaCy's `_attach_tokens` for the core left between the affixes.
    fn attach(&self, core: &str, specials: bool, pieces: &mut Vec<Piece>) {
        if core.is_empty() {
            return;
        }
        if let Some(special) = self.special(core, specials) {
            pieces.extend_from_slice(special);
            return;
        }
        let infixes = self.infix.find_iter(core);
        // spaCy never splits at an infix at the very start, so without others the core is whole, as is a URL.
        if infixes.iter().all(|m| m.start == 0) || self.url.is_match(core).unwrap_or(false) {
            pieces.push(whole(core));
            return;
        }
        let mut start = 0;
        for m in infixes.into_iter().filter(|m| m.start != 0) {
            if m.start != start {
                pieces.push(Piece {
                    len: m.start - start,
                    norm: None,
                });
            }
            if !m.is_empty() {
                pieces.push(Piece {
                    len: m.len(),
                    norm: None,
                });
            }
            start = m.end;
        }
        if start < core.len() {
            pieces.push(Piece {
                len: core.len() - start,
                norm: None,
            });
        }
    }

    /// spaCy's `_apply_special_cases`: finds the special cases' token sequences, keeps the longest (then leftmost)
    /// of overlapping ones, and replaces each whose text is a special case with its tokens.
    fn merge_special_cases(&self, text: &str, toks: &mut Vec<Tok>) {
        let word = |t: &Tok| text.get(t.start..t.end).unwrap_or_default();
        let mut found = Vec::new();
        for (i, tok) in toks.iter().enumerate() {
            let Some(patterns) = self.matcher.get(word(tok)) else {
                continue;
            };
            for pattern in patterns {
                let rest = toks.get(i..i + pattern.len()).unwrap_or_default();
                if rest.len() == pattern.len()
                    && rest
                        .iter()
                        .zip(pattern.iter())
                        .all(|(t, w)| word(t) == &**w)
                {
                    found.push(i..i + pattern.len());
                }
            }
        }
        if found.is_empty() {
            return;
        }
        found.sort_by(|a, b| b.len().cmp(&a.len()).then(a.start.cmp(&b.start)));
        // Like spaCy, a span is dropped only when its first or last token is taken.
        let mut taken = vec![false; toks.len()];
        let mut kept = Vec::new();
        for span in found {
            let is_taken = |i: usize| taken.get(i).copied().unwrap_or(true);
            if !is_taken(span.start) && !is_taken(span.end - 1) {
                kept.push(span.clone());
            }
            taken
                .iter_mut()
                .skip(span.start)
                .take(span.len())
                .for_each(|t| *t = true);
        }
        kept.sort_by_key(|span| span.start);
        let mut merged = Vec::with_capacity(toks.len());
        let mut next = 0;
        for span in kept {
            merged.extend(toks.get(next..span.start).unwrap_or_default());
            let old = toks.get(span.clone()).unwrap_or_default();
            let (start, end) = (
                old.first().map_or(0, |t| t.start),
                old.last().map_or(0, |t| t.end),
            );
            match text.get(start..end).and_then(|s| self.special(s, true)) {
                Some(pieces) => push(&mut merged, start, pieces),
                None => merged.extend(old),
            }
            next = span.end;
        }
        merged.extend(toks.get(next..).unwrap_or_default());
        *toks = merged;
    }
}
