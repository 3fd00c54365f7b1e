//! The vocabulary of the stored queries: every token any of them names, each with a dense id.
//!
//! Names live back to back in one string; the hash table holds only the ids (4 bytes a slot),
//! so a token costs its name plus about ten bytes, and a look-up is one hash and one compare.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::TextField;

/// Marks a missing id in the prefix table.
pub(super) const NONE: u32 = u32::MAX;

/// Token ids by name.
#[derive(Debug, Default)]
pub(super) struct Dictionary {
    table: HashTable<u32>,
    names: String,
    /// Where each name starts in `names`, and one more entry for the end of the last.
    starts: Vec<u32>,
}

impl Dictionary {
    /// How many tokens there are; ids are `0..len`.
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// The id of `name`, when some query names it.
    #[inline]
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        let hash = FxBuildHasher.hash_one(name);
        self.table
            .find(hash, |&id| name_of(&self.names, &self.starts, id) == name)
            .copied()
    }

    /// The id of `name`, added when new.
    fn intern(&mut self, name: &str) -> Option<u32> {
        if let Some(id) = self.get(name) {
            return Some(id);
        }
        let id = u32::try_from(self.table.len()).ok()?;
        self.names.push_str(name);
        let end = u32::try_from(self.names.len()).ok()?;
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.starts.push(end);
        let (names, starts) = (&self.names, &self.starts);
        self.table
            .insert_unique(FxBuildHasher.hash_one(name), id, |&other| {
                FxBuildHasher.hash_one(name_of(names, starts, other))
            });
        Some(id)
    }

    /// The name of token `id`.
    pub(super) fn name(&self, id: u32) -> &str {
        name_of(&self.names, &self.starts, id)
    }

    /// Makes room for `tokens` more tokens of about the present mean length.
    fn reserve(&mut self, tokens: usize) {
        let (names, starts) = (&self.names, &self.starts);
        self.table.reserve(tokens, |&id| {
            FxBuildHasher.hash_one(name_of(names, starts, id))
        });
        let mean = self.names.len() / self.len().max(1);
        self.names.reserve(tokens * mean);
        self.starts.reserve(tokens);
    }

    fn memory_bytes(&self) -> usize {
        self.table.allocation_size() + self.names.capacity() + self.starts.capacity() * 4
    }
}

fn name_of<'a>(names: &'a str, starts: &[u32], id: u32) -> &'a str {
    let id = id as usize;
    match (starts.get(id), starts.get(id + 1)) {
        (Some(&start), Some(&end)) => names.get(start as usize..end as usize).unwrap_or(""),
        _ => "",
    }
}

/// Which kinds of token the vocabulary holds, so that a document skips the work of making
/// tokens no query could name.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Namespaces {
    /// Title terms.
    pub(super) title: bool,
    /// Metadata values.
    pub(super) meta: bool,
    /// Entity keys and types.
    pub(super) entity: bool,
    /// Received-date buckets.
    pub(super) date: bool,
    /// Geo cells.
    pub(super) geo: bool,
}

/// The dictionary, plus the prefix table: every prefix of every stored prefix query, so that a
/// document's word is walked one character at a time and stops at the first miss.
#[derive(Debug, Default)]
pub(super) struct Vocabulary {
    pub(super) dict: Dictionary,
    /// For a stored prefix: its token ids for any text and for the title ([`NONE`] if not
    /// stored); a shorter prefix of a stored one maps to `[NONE, NONE]`.
    pub(super) prefixes: FxHashMap<Box<str>, [u32; 2]>,
    pub(super) namespaces: Namespaces,
}

impl Vocabulary {
    /// The id of token `name`, added when new; `None` only past four billion tokens.
    pub(super) fn intern(&mut self, name: &str) -> Option<u32> {
        let id = self.dict.intern(name)?;
        if let Some(tag) = super::compile::tag_of(name) {
            let namespaces = &mut self.namespaces;
            match tag {
                super::compile::TITLE => namespaces.title = true,
                super::compile::KIND | super::compile::STATE | super::compile::SOURCE => {
                    namespaces.meta = true;
                }
                super::compile::ENTITY | super::compile::ENTITY_OF | super::compile::HAS => {
                    namespaces.entity = true;
                }
                super::compile::DATE => namespaces.date = true,
                super::compile::GEO => namespaces.geo = true,
                super::compile::PREFIX | super::compile::TITLE_PREFIX => {
                    let field = if tag == super::compile::PREFIX {
                        TextField::Any
                    } else {
                        TextField::Title
                    };
                    self.add_prefix(name.get(2..).unwrap_or(""), field, id);
                }
                _ => {}
            }
        }
        Some(id)
    }

    fn add_prefix(&mut self, prefix: &str, field: TextField, id: u32) {
        let slot = usize::from(field == TextField::Title);
        for (end, _) in prefix.char_indices().skip(1) {
            if let Some(shorter) = prefix.get(..end) {
                self.prefixes.entry(shorter.into()).or_insert([NONE, NONE]);
            }
        }
        let ids = self.prefixes.entry(prefix.into()).or_insert([NONE, NONE]);
        if let Some(entry) = ids.get_mut(slot) {
            *entry = id;
        }
    }

    /// Makes room for a quarter more tokens, so that adding them does not reallocate (and
    /// rehash) the whole dictionary while the write lock is held.
    pub(super) fn reserve_quarter(&mut self) {
        self.dict.reserve(self.dict.len() / 4);
        self.prefixes.reserve(self.prefixes.len() / 4);
    }

    /// Approximate heap bytes.
    pub(super) fn memory_bytes(&self) -> usize {
        let prefixes: usize = self.prefixes.keys().map(|key| key.len() + 32).sum();
        self.dict.memory_bytes() + prefixes
    }
}
