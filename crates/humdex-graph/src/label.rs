//! Labels as the graph sees them: access expressions interned as opaque strings, and what one
//! caller may see of them.
//!
//! The graph never parses an access expression: the server evaluates each one for the caller
//! (see [`crate::Graph::visibility`]) and the graph keeps only the verdicts. A piece of evidence
//! can need one label ("the mention of this phone") or any one of several ("some mention of this
//! person in that record"); the second kind is a [`Need`] over an interned set of labels, so
//! evidence stays a few fixed-size words however many labels a record carries.

use rustc_hash::FxHashMap;

/// An interned label (access expression). [`LabelId::PUBLIC`] is the empty expression, which
/// everyone sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelId(u32);

impl LabelId {
    /// The empty expression: visible to every caller.
    pub const PUBLIC: LabelId = LabelId(0);

    fn index(self) -> usize {
        self.0 as usize
    }
}

/// What one piece of evidence needs the caller to see: one label, or any label of an interned
/// set. The top bit tells which, so a need is one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Need(u32);

impl Need {
    const SET: u32 = 1 << 31;
    /// The id given to labels and sets past the 2³¹ the word can name (more than memory could
    /// hold): never seen, so an impossible overflow fails closed instead of aliasing a label.
    const NEVER: u32 = Self::SET - 1;

    pub(crate) const PUBLIC: Need = Need(0);

    pub(crate) fn label(label: LabelId) -> Need {
        Need(label.0)
    }
}

/// The labels and label sets the graph has seen. Both are few (labels are chosen by
/// administrators, sets are the combinations records actually carry), so they are never freed.
#[derive(Debug)]
pub(crate) struct Labels {
    texts: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, LabelId>,
    sets: Vec<Box<[LabelId]>>,
    set_ids: FxHashMap<Box<[LabelId]>, u32>,
}

impl Default for Labels {
    fn default() -> Self {
        let mut labels = Labels {
            texts: Vec::new(),
            ids: FxHashMap::default(),
            sets: Vec::new(),
            set_ids: FxHashMap::default(),
        };
        labels.intern("");
        labels
    }
}

impl Labels {
    pub(crate) fn intern(&mut self, text: &str) -> LabelId {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = LabelId(dense_id(self.texts.len()));
        self.texts.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    /// What the caller must see of `labels` (sorted, without duplicates, not empty) to see
    /// evidence found under any of them.
    pub(crate) fn need_any(&mut self, labels: &[LabelId]) -> Need {
        match labels {
            [single] => Need::label(*single),
            _ => {
                if let Some(&set) = self.set_ids.get(labels) {
                    return Need(set | Need::SET);
                }
                let set = dense_id(self.sets.len());
                self.sets.push(labels.into());
                self.set_ids.insert(labels.into(), set);
                Need(set | Need::SET)
            }
        }
    }

    pub(crate) fn visibility(&self, mut sees: impl FnMut(&str) -> bool) -> Visibility {
        let labels: Vec<bool> = self
            .texts
            .iter()
            .enumerate()
            .map(|(index, text)| index == LabelId::PUBLIC.index() || sees(text))
            .collect();
        let sets = self
            .sets
            .iter()
            .map(|set| {
                set.iter()
                    .any(|label| labels.get(label.index()).copied().unwrap_or(false))
            })
            .collect();
        Visibility {
            all: false,
            labels,
            sets,
        }
    }
}

/// Label and set ids share a word with the set bit of [`Need`], so they stay below it.
fn dense_id(index: usize) -> u32 {
    u32::try_from(index).map_or(Need::NEVER, |id| id.min(Need::NEVER))
}

/// What one caller may see: a verdict per label, taken once when it was built. Labels interned
/// after that count as not visible, except [`LabelId::PUBLIC`].
#[derive(Debug, Clone)]
pub struct Visibility {
    all: bool,
    labels: Vec<bool>,
    sets: Vec<bool>,
}

impl Visibility {
    /// Sees every label, whenever it was interned: for the server's own work, never for a caller.
    pub fn all() -> Self {
        Visibility {
            all: true,
            labels: Vec::new(),
            sets: Vec::new(),
        }
    }

    /// Whether this caller sees what is labelled `label`.
    pub fn sees(&self, label: LabelId) -> bool {
        self.all
            || label == LabelId::PUBLIC
            || (label.0 < Need::NEVER && self.labels.get(label.index()).copied().unwrap_or(false))
    }

    /// Whether this sees everything (the server's own view).
    pub(crate) fn sees_everything(&self) -> bool {
        self.all
    }

    pub(crate) fn meets(&self, need: Need) -> bool {
        if self.all {
            return true;
        }
        if need.0 & Need::SET == 0 {
            self.sees(LabelId(need.0))
        } else {
            let set = need.0 & !Need::SET;
            set < Need::NEVER && self.sets.get(set as usize).copied().unwrap_or(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_public_and_always_seen() {
        let mut labels = Labels::default();
        assert_eq!(labels.intern(""), LabelId::PUBLIC);
        let secret = labels.intern("LE&VICTIM_PII");
        assert_eq!(labels.intern("LE&VICTIM_PII"), secret);
        let nothing = labels.visibility(|_| false);
        assert!(nothing.sees(LabelId::PUBLIC));
        assert!(!nothing.sees(secret));
        assert!(
            labels
                .visibility(|text| text == "LE&VICTIM_PII")
                .sees(secret)
        );
    }

    #[test]
    fn each_label_is_evaluated_once_and_later_labels_are_not_seen() {
        let mut labels = Labels::default();
        let early = labels.intern("A");
        let mut asked = Vec::new();
        let visibility = labels.visibility(|text| {
            asked.push(text.to_owned());
            true
        });
        assert_eq!(asked, ["A"]);
        let late = labels.intern("B");
        assert!(visibility.sees(early));
        assert!(!visibility.sees(late));
        assert!(Visibility::all().sees(late));
    }

    #[test]
    fn a_set_is_met_by_any_of_its_labels() {
        let mut labels = Labels::default();
        let a = labels.intern("A");
        let b = labels.intern("B");
        let either = labels.need_any(&[a, b]);
        assert_eq!(labels.need_any(&[a, b]), either);
        assert_eq!(labels.need_any(&[a]), Need::label(a));
        assert!(labels.visibility(|text| text == "B").meets(either));
        assert!(!labels.visibility(|text| text == "C").meets(either));
        assert!(labels.visibility(|_| false).meets(Need::PUBLIC));
    }
}
