//! One view as the percolator sees it: which vocabulary tokens it holds, and where.

use std::iter;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::compile::{self, Bucket, tagged};
use super::dict::{NONE, Vocabulary};
use crate::View;
use crate::analyzer::{key_analyzer, text_analyzer};
use crate::geo::point_cells;

/// Working memory for [`super::Percolator::percolate`], reused from one view to the next.
///
/// Per-token state carries the number of the view it was set for, so nothing is cleared
/// between views. One per thread; it works with any percolator.
pub struct Scratch {
    text: TextAnalyzer,
    key: TextAnalyzer,
    pub(super) doc: DocState,
    name: String,
    /// Candidates with several anchors, which may come up more than once.
    pub(super) multi: Vec<u32>,
    /// Records that matched.
    pub(super) matched: Vec<u32>,
    /// Candidates checked for the last view.
    pub(super) candidates: usize,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    /// Fresh working memory.
    pub fn new() -> Self {
        Scratch {
            text: text_analyzer(),
            key: key_analyzer(),
            doc: DocState::default(),
            name: String::new(),
            multi: Vec::new(),
            matched: Vec::new(),
            candidates: 0,
        }
    }

    /// How many stored queries were candidates for the last view (each counted once).
    pub fn candidates(&self) -> usize {
        self.candidates
    }

    /// Finds the vocabulary tokens `view` holds.
    pub(super) fn load(&mut self, vocabulary: &Vocabulary, view: &View) {
        let Scratch {
            text,
            key,
            doc,
            name,
            ..
        } = self;
        doc.begin(vocabulary.dict.len());
        let dict = &vocabulary.dict;
        let namespaces = vocabulary.namespaces;
        for (index, view_text) in view.texts.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(NONE);
            let title = view_text.part == "title";
            let mut stream = text.token_stream(&view_text.text);
            while let Some(token) = stream.next() {
                doc.any_word = true;
                doc.any_title_word |= title;
                let position = u32::try_from(token.position).unwrap_or(NONE);
                if let Some(id) = dict.get(&token.text) {
                    doc.mark(id, index, position);
                }
                if title
                    && namespaces.title
                    && let Some(id) = dict.get(tagged(name, compile::TITLE, &[&token.text]))
                {
                    doc.mark(id, index, position);
                }
            }
            if vocabulary.prefixes.is_empty() {
                continue;
            }
            let mut stream = key.token_stream(&view_text.text);
            while let Some(token) = stream.next() {
                let word = token.text.as_str();
                let position = u32::try_from(token.position).unwrap_or(NONE);
                let ends = word.char_indices().skip(1).map(|(end, _)| end);
                // Longer prefixes of a word are looked up only while shorter ones are known.
                for end in ends.chain(iter::once(word.len())) {
                    let Some(&[any, in_title]) = word
                        .get(..end)
                        .and_then(|start| vocabulary.prefixes.get(start))
                    else {
                        break;
                    };
                    if any != NONE {
                        doc.mark(any, index, position);
                    }
                    if title && in_title != NONE {
                        doc.mark(in_title, index, position);
                    }
                }
            }
        }
        if namespaces.meta {
            for (tag, value) in [
                (compile::KIND, view.kind.as_str()),
                (compile::STATE, view.state.as_str()),
                (compile::SOURCE, view.source.as_str()),
            ] {
                if let Some(id) = dict.get(tagged(name, tag, &[value])) {
                    doc.mark(id, 0, 0);
                }
            }
        }
        if namespaces.entity {
            for (index, entity) in view.entities.iter().enumerate() {
                let index = u32::try_from(index).unwrap_or(NONE);
                let (kind, key) = (entity.kind.as_str(), entity.key.as_str());
                let tokens: [(char, &[&str]); 3] = [
                    (compile::ENTITY, &[key]),
                    (compile::ENTITY_OF, &[kind, key]),
                    (compile::HAS, &[kind]),
                ];
                for (tag, parts) in tokens {
                    if let Some(id) = dict.get(tagged(name, tag, parts)) {
                        doc.mark(id, index, 0);
                    }
                }
            }
        }
        if namespaces.date {
            let date = compile::utc_date(view.received);
            if let Some(out) = compile::out_of_range_name(name, date) {
                if let Some(id) = dict.get(out) {
                    doc.mark(id, 0, 0);
                }
            } else {
                for size in Bucket::ALL {
                    if let Some(id) = dict.get(compile::bucket_name(name, size, date)) {
                        doc.mark(id, 0, 0);
                    }
                }
            }
        }
        if namespaces.geo {
            for &point in &view.points {
                for cell in point_cells(point) {
                    if let Some(id) = dict.get(tagged(name, compile::GEO, &[&cell])) {
                        doc.mark(id, 0, 0);
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The view this slot was last set for; any other means absent.
    epoch: u32,
    /// The latest occurrence.
    head: u32,
}

#[derive(Debug, Clone, Copy)]
struct Occurrence {
    /// The text (or entity) index.
    source: u32,
    position: u32,
    /// The previous occurrence of the same token, or [`NONE`].
    next: u32,
}

/// The tokens of the current view: per token id, whether it is present and a list of where.
#[derive(Debug, Default)]
pub(super) struct DocState {
    epoch: u32,
    slots: Vec<Slot>,
    /// The token ids present, each once.
    pub(super) present: Vec<u32>,
    occurrences: Vec<Occurrence>,
    /// Whether any text has a word at all.
    any_word: bool,
    /// Whether the title has.
    any_title_word: bool,
}

impl DocState {
    fn begin(&mut self, tokens: usize) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.slots.iter_mut().for_each(|slot| slot.epoch = 0);
            self.epoch = 1;
        }
        if self.slots.len() < tokens {
            self.slots.resize(tokens, Slot::default());
        }
        self.present.clear();
        self.occurrences.clear();
        self.any_word = false;
        self.any_title_word = false;
    }

    #[inline]
    fn mark(&mut self, id: u32, source: u32, position: u32) {
        let Some(slot) = self.slots.get_mut(id as usize) else {
            return;
        };
        if slot.epoch != self.epoch {
            slot.epoch = self.epoch;
            slot.head = NONE;
            self.present.push(id);
        }
        self.occurrences.push(Occurrence {
            source,
            position,
            next: slot.head,
        });
        slot.head = u32::try_from(self.occurrences.len() - 1).unwrap_or(NONE);
    }

    /// Whether the view holds token `id`.
    #[inline]
    pub(super) fn holds(&self, id: u32) -> bool {
        self.slots
            .get(id as usize)
            .is_some_and(|slot| slot.epoch == self.epoch)
    }

    /// Whether some text (`title`: the title) has a word.
    pub(super) fn any_word(&self, title: bool) -> bool {
        if title {
            self.any_title_word
        } else {
            self.any_word
        }
    }

    fn occurrences(&self, id: u32) -> impl Iterator<Item = Occurrence> + '_ {
        let head = match self.slots.get(id as usize) {
            Some(slot) if slot.epoch == self.epoch => slot.head,
            _ => NONE,
        };
        iter::successors(self.occurrences.get(head as usize).copied(), |occurrence| {
            self.occurrences.get(occurrence.next as usize).copied()
        })
    }

    /// The texts (or entities) token `id` occurs in, latest first, with repeats.
    pub(super) fn sources(&self, id: u32) -> Vec<u32> {
        self.occurrences(id)
            .map(|occurrence| occurrence.source)
            .collect()
    }

    /// Whether the words `ids` stand at consecutive positions of one text (of the title when
    /// `title`). `each` is told every text where they do, and returns whether to go on.
    pub(super) fn phrase(
        &self,
        ids: &[u32],
        title: bool,
        view: &View,
        mut each: impl FnMut(u32) -> bool,
    ) -> bool {
        let Some((&first, rest)) = ids.split_first() else {
            return false;
        };
        let mut found = false;
        for start in self.occurrences(first) {
            if title
                && view
                    .texts
                    .get(start.source as usize)
                    .is_none_or(|text| text.part != "title")
            {
                continue;
            }
            let whole = rest.iter().zip(1u32..).all(|(&id, offset)| {
                let position = start.position.checked_add(offset);
                self.occurrences(id).any(|occurrence| {
                    occurrence.source == start.source && Some(occurrence.position) == position
                })
            });
            if whole {
                found = true;
                if !each(start.source) {
                    break;
                }
            }
        }
        found
    }
}
