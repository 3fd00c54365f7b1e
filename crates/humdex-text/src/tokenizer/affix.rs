//! spaCy's prefix, suffix and infix patterns, searched with Python's `re` semantics.
//!
//! Each pattern is an alternation. Runs of alternatives without look-around go to one `regex` (fast, and its
//! leftmost-first semantics are Python's); an alternative with look-around goes to `fancy-regex`, behind a
//! `regex` of its core that rules out most texts cheaply.

use std::ops::Range;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::TokenizerError;

/// One alternative of a pattern, in Rust regex syntax.
#[derive(Deserialize)]
pub(super) struct Alternative {
    re: String,
    /// The alternative without its look-arounds; present when it has some.
    core: Option<String>,
}

/// A pattern: its alternatives, in order.
pub(super) struct Affixes(Vec<Group>);

enum Group {
    Plain(Regex),
    Look {
        core: Regex,
        full: fancy_regex::Regex,
    },
}

pub(super) fn regex(pattern: &str) -> Result<Regex, TokenizerError> {
    // The patterns spell out large Unicode classes; the default limits are too small for some of them.
    Ok(RegexBuilder::new(pattern)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 24)
        .build()?)
}

impl Affixes {
    pub(super) fn new(alternatives: &[Alternative]) -> Result<Self, TokenizerError> {
        fn flush(plain: &mut Vec<String>, groups: &mut Vec<Group>) -> Result<(), TokenizerError> {
            if !plain.is_empty() {
                groups.push(Group::Plain(regex(&plain.join("|"))?));
                plain.clear();
            }
            Ok(())
        }
        let (mut groups, mut plain) = (Vec::new(), Vec::new());
        for alt in alternatives {
            match &alt.core {
                None => plain.push(format!("(?:{})", alt.re)),
                Some(core) => {
                    flush(&mut plain, &mut groups)?;
                    let full = fancy_regex::Regex::new(&alt.re).map_err(Box::new)?;
                    groups.push(Group::Look {
                        core: regex(core)?,
                        full,
                    });
                }
            }
        }
        flush(&mut plain, &mut groups)?;
        Ok(Self(groups))
    }

    /// Python's `pattern.search(s, pos)`: the leftmost match, the earliest alternative winning a tie.
    pub(super) fn search(&self, s: &str, pos: usize) -> Option<Range<usize>> {
        let mut best: Option<Range<usize>> = None;
        for group in &self.0 {
            let limit = best.as_ref().map_or(usize::MAX, |b| b.start);
            if limit == pos {
                break;
            }
            if let Some(m) = group.find(s, pos).filter(|m| m.start < limit) {
                best = Some(m);
            }
        }
        best
    }

    /// Python's `pattern.finditer(s)`: successive non-overlapping leftmost matches.
    pub(super) fn find_iter(&self, s: &str) -> Vec<Range<usize>> {
        // Each group's next match is kept until the search passes it, so a long text is scanned once per group.
        let mut next: Vec<Option<Range<usize>>> = self.0.iter().map(|g| g.find(s, 0)).collect();
        let (mut pos, mut found) = (0, Vec::new());
        loop {
            for (group, m) in self.0.iter().zip(next.iter_mut()) {
                if m.as_ref().is_some_and(|m| m.start < pos) {
                    *m = group.find(s, pos);
                }
            }
            // `min_by_key` keeps the first of equal starts: the earliest alternative.
            let Some(m) = next.iter().flatten().min_by_key(|m| m.start).cloned() else {
                return found;
            };
            pos = match m.is_empty() {
                // An empty match moves the search on by one character, as Python's does.
                true => s
                    .get(m.end..)
                    .and_then(|t| t.chars().next())
                    .map_or(usize::MAX, |c| m.end + c.len_utf8()),
                false => m.end,
            };
            found.push(m);
            if pos > s.len() {
                return found;
            }
        }
    }
}

impl Group {
    fn find(&self, s: &str, pos: usize) -> Option<Range<usize>> {
        match self {
            Self::Plain(re) => re.find_at(s, pos).map(|m| m.range()),
            // A match starts where its core does, so the look-around search can start at the core's first match.
            Self::Look { core, full } => {
                let start = core.find_at(s, pos)?.start();
                full.find_from_pos(s, start)
                    .ok()
                    .flatten()
                    .map(|m| m.range())
            }
        }
    }
}
