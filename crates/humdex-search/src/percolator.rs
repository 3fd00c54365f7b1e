//! The percolator: stored queries (subscriptions) matched against each new view.
//!
//! Searching the archive asks "which records match this query"; the percolator asks the
//! opposite for every record that comes in: "which of the stored queries match this view".
//! It is an inverted index of queries rather than of documents:
//!
//! * **Anchors.** Each query is reduced to a set of tokens at least one of which every view it
//!   matches must hold: for an AND the rarest child's set (by [`TermStatistics`]), for an OR the
//!   union of its children's, never anything under a NOT. Besides words, tokens name metadata
//!   values, entity keys and types, received-date buckets (century, decade, year, month, day)
//!   and H3 cells (see [`crate::geo`]), so that no kind of filter leaves a query to be checked
//!   against every view. A query that cannot be anchored (`All`, a bare NOT, a date range open
//!   at both ends, an area too large to cover) is refused rather than stored.
//! * **Postings.** Token ids map to the stored queries they anchor: a compacted array (CSR)
//!   plus a small map of additions since the last [`Percolator::compact`]. Removal marks the
//!   query's record dead; the dead postings are skipped and dropped by the next compaction.
//! * **Verification.** A view is analysed once with the same analysers as the index; each word
//!   costs one hash probe against the vocabulary, and unknown words are dropped. The queries
//!   anchored by the tokens present are the candidates; a term, or an OR of terms and values,
//!   matches as soon as it is a candidate, any other query runs its bytecode (see `code`).
//!   Only the matches then work out their [`Reason`]s.
//!
//! The matching is meant to be exactly the search index's on the same view: words as
//! [`crate::analyzer::text_analyzer`] cuts them, phrases within one text, prefixes over
//! [`crate::analyzer::key_analyzer`] words, entities by key, dates in `[from, to)`, points in
//! the area.

mod code;
mod compile;
mod dict;
mod doc;
#[cfg(test)]
mod tests;

use rustc_hash::FxHashMap;

use crate::{Query, TextField, View};

use self::code::Check;
use self::dict::Vocabulary;
pub use self::doc::Scratch;

/// How often words occur in the archive, for choosing the rarest anchor of a conjunction.
pub trait TermStatistics {
    /// How many views the frequencies were counted over.
    fn views(&self) -> u64;
    /// How many views hold `term` (as analysed) in `field`, or `None` when not known.
    fn doc_freq(&self, field: TextField, term: &str) -> Option<u64>;
}

/// No statistics: longer words are taken to be rarer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStatistics;

impl TermStatistics for NoStatistics {
    fn views(&self) -> u64 {
        1_000_000
    }

    fn doc_freq(&self, _field: TextField, _term: &str) -> Option<u64> {
        None
    }
}

/// Why a query was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A view could match the query without holding any of its words, values, dates or places
    /// (`All`, a bare NOT, a date range open at both ends, an area too large to cover), so it
    /// would have to be checked against every view. Such queries are not stored.
    #[error(
        "the query needs a word, a value, a bounded date range or a bounded area that every match must have"
    )]
    Unanchorable,
    /// The percolator holds as many tokens or words of code as it can number.
    #[error("the percolator is full")]
    Full,
}

/// A stored query that matched a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The key it was stored under.
    pub key: u64,
    /// Why it matched.
    pub reasons: Vec<Reason>,
}

/// One satisfied condition of a matching query (outside any NOT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What was found: a term (`traffick`), a phrase (`massage parlor`), a prefix (`minor*`),
    /// an entity (`phone 15555550123`), a type (`has phone`), a value (`kind report`), the
    /// received time, or the point in the area (`near 40.7,-74.0`).
    pub what: String,
    /// The parts of the view it was found in (texts' and entities' `part`), empty for
    /// metadata, dates and places.
    pub parts: Vec<String>,
}

/// Record layout in [`Percolator::records`]: a header, the anchor ids, then the code.
mod record {
    /// Flags: [`DEAD`], [`COMPLETE`], [`MULTI`].
    pub(super) const FLAGS: usize = 0;
    pub(super) const KEY_LOW: usize = 1;
    pub(super) const KEY_HIGH: usize = 2;
    pub(super) const ANCHORS: usize = 3;
    pub(super) const CODE: usize = 4;
    pub(super) const HEADER: usize = 5;
    /// Removed or replaced.
    pub(super) const DEAD: u32 = 1;
    /// Matches whenever it is a candidate.
    pub(super) const COMPLETE: u32 = 2;
    /// Has several anchors, so it can come up more than once for one view.
    pub(super) const MULTI: u32 = 4;
}

/// Stored queries, matched against views. `Send + Sync`: percolate under a read lock, insert,
/// remove and compact under the write lock.
#[derive(Debug, Default)]
pub struct Percolator {
    vocabulary: Vocabulary,
    /// Every stored query's record, back to back (see [`record`]); a record's offset is its id.
    records: Vec<u32>,
    /// The record of each live key.
    live: FxHashMap<u64, u32>,
    /// Words of dead records.
    garbage: usize,
    /// Compacted postings: the records anchored by token `t` are
    /// `postings[offsets[t]..offsets[t + 1]]`.
    offsets: Vec<u32>,
    postings: Vec<u32>,
    /// Postings added since the last compaction.
    delta: FxHashMap<u32, Vec<u32>>,
}

impl Percolator {
    /// An empty percolator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `query` under `key`, replacing what `key` held. On refusal nothing changes.
    ///
    /// Takes microseconds whatever the number stored: nothing is rebuilt; the query's
    /// postings wait in a small map until the next [`Percolator::compact`].
    pub fn insert(
        &mut self,
        key: u64,
        query: &Query,
        stats: &dyn TermStatistics,
    ) -> Result<(), Refused> {
        let compiled = compile::compile(query, stats, &mut self.vocabulary)?;
        let at = u32::try_from(self.records.len()).map_err(|_| Refused::Full)?;
        let anchors = u32::try_from(compiled.anchors.len()).map_err(|_| Refused::Full)?;
        let code = u32::try_from(compiled.code.len()).map_err(|_| Refused::Full)?;
        let mut flags = 0;
        if compiled.complete {
            flags |= record::COMPLETE;
        }
        if compiled.anchors.len() > 1 {
            flags |= record::MULTI;
        }
        self.records
            .extend([flags, key as u32, (key >> 32) as u32, anchors, code]);
        self.records.extend_from_slice(&compiled.anchors);
        self.records.extend_from_slice(&compiled.code);
        for &anchor in &compiled.anchors {
            self.delta.entry(anchor).or_default().push(at);
        }
        if let Some(old) = self.live.insert(key, at) {
            self.kill(old);
        }
        Ok(())
    }

    /// Removes the query stored under `key`; whether there was one.
    pub fn remove(&mut self, key: u64) -> bool {
        match self.live.remove(&key) {
            Some(at) => {
                self.kill(at);
                true
            }
            None => false,
        }
    }

    fn kill(&mut self, at: u32) {
        let at = at as usize;
        if let Some(flags) = self.records.get_mut(at + record::FLAGS) {
            *flags |= record::DEAD;
        }
        self.garbage += self.record_len(at);
    }

    fn word(&self, at: usize) -> usize {
        self.records.get(at).map_or(0, |&word| word as usize)
    }

    fn record_len(&self, at: usize) -> usize {
        record::HEADER + self.word(at + record::ANCHORS) + self.word(at + record::CODE)
    }

    /// How many queries are stored.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Whether compacting would pay: many postings wait outside the compacted arrays, or much
    /// of the memory is held by removed queries.
    pub fn compaction_due(&self) -> bool {
        let waiting: usize = self.delta.values().map(Vec::len).sum();
        waiting > 4096.max(self.postings.len() / 8) || self.garbage > self.records.len() / 4
    }

    /// Folds the additions into the compacted postings and drops removed queries and the
    /// tokens only they named. Takes time in proportion to everything stored (a quarter of a
    /// second per million queries), so call it now and then, e.g. when [`Self::compaction_due`]. It
    /// leaves room for a quarter more queries, so inserts until then do not reallocate the big
    /// arrays.
    pub fn compact(&mut self) {
        let mut order: Vec<(u32, u64)> = self.live.iter().map(|(&key, &at)| (at, key)).collect();
        order.sort_unstable();
        let live_words = self.records.len().saturating_sub(self.garbage);
        let mut records = Vec::with_capacity(live_words + live_words / 4);
        let mut live = FxHashMap::default();
        live.reserve(order.len() + order.len() / 4);
        let mut vocabulary = Vocabulary::default();
        let mut renumbered = vec![dict::NONE; self.vocabulary.dict.len()];
        let old = &self.vocabulary.dict;
        let mut renumber = |id: &mut u32| {
            if let Some(new) = renumbered.get_mut(*id as usize) {
                if *new == dict::NONE {
                    *new = vocabulary.intern(old.name(*id)).unwrap_or(dict::NONE);
                }
                *id = *new;
            }
        };
        for (at, key) in order {
            let at = at as usize;
            let Some(old_record) = self.records.get(at..at + self.record_len(at)) else {
                continue;
            };
            let Ok(new_at) = u32::try_from(records.len()) else {
                break;
            };
            records.extend_from_slice(old_record);
            let anchors = self.word(at + record::ANCHORS);
            if let Some(body) = records.get_mut(new_at as usize + record::HEADER..) {
                let (anchor_ids, code) = body.split_at_mut(anchors.min(body.len()));
                anchor_ids.iter_mut().for_each(&mut renumber);
                code::token_ids_mut(code, &mut renumber);
            }
            live.insert(key, new_at);
        }
        vocabulary.reserve_quarter();
        let mut offsets = vec![0u32; vocabulary.dict.len() + 1];
        let mut at = 0;
        while let Some(anchors) = anchor_ids(&records, at) {
            for &anchor in anchors {
                if let Some(count) = offsets.get_mut(anchor as usize + 1) {
                    *count += 1;
                }
            }
            at = next_record(&records, at);
        }
        let mut total = 0;
        for offset in &mut offsets {
            total += *offset;
            *offset = total;
        }
        let mut fill = offsets.clone();
        let mut postings = vec![0u32; total as usize];
        let mut at = 0;
        while let Some(anchors) = anchor_ids(&records, at) {
            for &anchor in anchors {
                if let Some(cursor) = fill.get_mut(anchor as usize)
                    && let Some(posting) = postings.get_mut(*cursor as usize)
                {
                    *posting = at as u32;
                    *cursor += 1;
                }
            }
            at = next_record(&records, at);
        }
        *self = Percolator {
            vocabulary,
            records,
            live,
            garbage: 0,
            offsets,
            postings,
            delta: FxHashMap::default(),
        };
    }

    /// The stored queries that match `view`, by key, each with why.
    pub fn percolate(&self, view: &View, scratch: &mut Scratch) -> Vec<Match> {
        scratch.load(&self.vocabulary, view);
        let Scratch {
            doc,
            multi,
            matched,
            candidates,
            ..
        } = scratch;
        multi.clear();
        matched.clear();
        *candidates = 0;
        for &token in &doc.present {
            let compacted = match (
                self.offsets.get(token as usize),
                self.offsets.get(token as usize + 1),
            ) {
                (Some(&start), Some(&end)) => self
                    .postings
                    .get(start as usize..end as usize)
                    .unwrap_or_default(),
                _ => &[],
            };
            let added = self.delta.get(&token).map_or(&[][..], Vec::as_slice);
            for &at in compacted.iter().chain(added) {
                let flags = self.word(at as usize) as u32;
                if flags & record::DEAD != 0 {
                    continue;
                }
                if flags & record::MULTI != 0 {
                    multi.push(at);
                    continue;
                }
                *candidates += 1;
                if self.verify(at, flags, view, doc) {
                    matched.push(at);
                }
            }
        }
        multi.sort_unstable();
        multi.dedup();
        for &at in multi.iter() {
            *candidates += 1;
            if self.verify(at, self.word(at as usize) as u32, view, doc) {
                matched.push(at);
            }
        }
        let mut matches: Vec<Match> = matched
            .iter()
            .map(|&at| {
                let at = at as usize;
                let low = self.word(at + record::KEY_LOW) as u64;
                let high = self.word(at + record::KEY_HIGH) as u64;
                let check = Check {
                    code: self.code(at),
                    doc,
                    view,
                };
                Match {
                    key: low | (high << 32),
                    reasons: check.reasons(&self.vocabulary.dict),
                }
            })
            .collect();
        matches.sort_unstable_by_key(|found| found.key);
        matches
    }

    fn verify(&self, at: u32, flags: u32, view: &View, doc: &doc::DocState) -> bool {
        if flags & record::COMPLETE != 0 {
            return true;
        }
        let check = Check {
            code: self.code(at as usize),
            doc,
            view,
        };
        check.matches()
    }

    fn code(&self, at: usize) -> &[u32] {
        let start = at + record::HEADER + self.word(at + record::ANCHORS);
        self.records
            .get(start..start + self.word(at + record::CODE))
            .unwrap_or_default()
    }

    /// Approximate heap bytes held.
    pub fn memory_bytes(&self) -> usize {
        let live = self.live.capacity() * (size_of::<(u64, u32)>() + 1);
        let delta: usize = self
            .delta
            .values()
            .map(|postings| postings.capacity() * 4 + size_of::<(u32, Vec<u32>)>() + 1)
            .sum();
        self.vocabulary.memory_bytes()
            + self.records.capacity() * 4
            + live
            + (self.offsets.capacity() + self.postings.capacity()) * 4
            + delta
    }
}

/// The anchor ids of the record at `at`, `None` past the last.
fn anchor_ids(records: &[u32], at: usize) -> Option<&[u32]> {
    let count = *records.get(at + record::ANCHORS)? as usize;
    records.get(at + record::HEADER..at + record::HEADER + count)
}

fn next_record(records: &[u32], at: usize) -> usize {
    let word = |offset: usize| records.get(at + offset).map_or(0, |&word| word as usize);
    at + record::HEADER + word(record::ANCHORS) + word(record::CODE)
}
