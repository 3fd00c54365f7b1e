//! The entity graph: a projection the server keeps in memory, fed from the store and rebuilt on
//! start.
//!
//! What the graph knows comes in four kinds of input, each replaceable as a whole, so replaying
//! the journal in any order converges:
//!
//! * per record ([`Graph::set_record`]): the entities it mentions, under their labels, and the
//!   photos in it that match photos in other records. Every pair of distinct entities mentioned
//!   in a record is a co-mention link; every photo match an image-match link;
//! * relations an analyst states ([`Graph::add_relation`]), with their evidence;
//! * merges ([`Graph::merge`]): an analyst's decision that two entities are one, reversible;
//! * exclusions ([`Graph::exclude`]): known-benign values (a hotel chain's switchboard) that get
//!   no co-mention or image-match links.
//!
//! The graph keeps these inputs and, from them, its nodes and links. A change re-derives exactly
//! the links it touches: a merge or its undoing removes the contributions of every record and
//! relation naming the entities involved under the old grouping and adds them back under the new
//! one, so nothing is ever "un-unioned".
//!
//! Entities, records and labels stay interned (a few dozen bytes each) until the graph is rebuilt;
//! an entity no record mentions is no node: no query shows it.

mod links;
mod marks;
mod query;
#[cfg(test)]
mod tests;

use std::hash::BuildHasher as _;

use hashbrown::HashTable;
use humdex_model::RecordId;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde::Serialize;
use smallvec::SmallVec;

use crate::chart::{LinkKind, NodeKind};
use crate::label::{LabelId, Labels, Need, Visibility};
use links::{Evidence, Links, NO_RECORD};
use marks::MarksPool;
pub use query::Paths;

/// An entity as a record names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityInput {
    /// The store's entity id (hex).
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// The name to show: a normalised identifier or a person's name.
    pub name: String,
}

/// One mention of an entity in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionInput {
    /// The entity mentioned.
    pub entity: EntityInput,
    /// The label of the field it was found in (record label and field label composed).
    pub label: LabelId,
}

/// A photo in a record whose fingerprint matches a photo in another record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMatch {
    /// The entity id of the photo in this record; it must be among the record's mentions.
    pub photo: String,
    /// The matching photo in the other record.
    pub other: EntityInput,
    /// The other record.
    pub other_record: RecordId,
    /// The label of the other photo in the other record.
    pub other_label: LabelId,
}

/// A link an analyst states between two entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationInput {
    /// The relation's id; adding a relation with the same id replaces it.
    pub id: String,
    /// What the analyst says the link is.
    pub kind: LinkKind,
    /// One end (entity id).
    pub from: String,
    /// The other end (entity id).
    pub to: String,
    /// The records that support it, each under the label the caller must see (the server composes
    /// the relation's label and the record's).
    pub evidence: Vec<(RecordId, LabelId)>,
}

/// A node as one caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntitySummary {
    /// The node's id: that of the entity the others were merged into.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// The name shown.
    pub name: String,
    /// How many records the caller may see mention it.
    pub records: u32,
    /// The ids of the entities merged into it that the caller may see a mention of.
    pub merged: Vec<String>,
    /// Whether the entity itself is excluded from co-mention and image-match links.
    pub excluded: bool,
}

/// A node of the graph: the same for every entity merged into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

/// Sizes of the graph, for health reports and the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GraphStats {
    /// Nodes (entities some record mentions, merged ones counted once).
    pub nodes: usize,
    /// Links between nodes.
    pub links: usize,
    /// Pieces of evidence over all links.
    pub evidence: usize,
    /// Records that mention something.
    pub records: usize,
    /// Approximate heap the graph holds, in bytes.
    pub heap_bytes: usize,
}

/// An entity slot. The node fields (`labels`) are kept on the canonical entity of each node.
#[derive(Debug)]
struct Entity {
    id: Box<str>,
    /// Kind and name, once an input named the entity.
    face: Option<(NodeKind, Box<str>)>,
    /// (record slot, label), sorted, without repeats.
    mentions: Vec<(u32, LabelId)>,
    /// The records mentioning the entity, counted by what a caller must see to see it there:
    /// a caller's count of them is a sum over a few entries, however many records there are.
    needs: SmallVec<[(Need, u32); 2]>,
    /// The entity this one is merged into (itself when none).
    canonical: u32,
    excluded: bool,
    /// For a node: the labels of its members' mentions, each with how many mentions carry it.
    labels: SmallVec<[(LabelId, u32); 2]>,
}

impl Entity {
    /// Adds or removes the mentions of the entity in one record (`labels` sorted), and counts
    /// the record under what a caller must see to see them.
    fn change_record(&mut self, record: u32, labels: &[LabelId], need: Need, change: Change) {
        for &label in labels {
            match (change, self.mentions.binary_search(&(record, label))) {
                (Change::Add, Err(position)) => self.mentions.insert(position, (record, label)),
                (Change::Remove, Ok(position)) => {
                    self.mentions.remove(position);
                }
                _ => {}
            }
        }
        count(&mut self.needs, need, change);
    }
}

/// Counts one more or one fewer of `key`, dropping keys counted to zero.
fn count<T: PartialEq>(counts: &mut SmallVec<[(T, u32); 2]>, key: T, change: Change) {
    let position = counts.iter().position(|(known, _)| *known == key);
    match (change, position) {
        (Change::Add, Some(position)) => {
            if let Some((_, count)) = counts.get_mut(position) {
                *count += 1;
            }
        }
        (Change::Add, None) => counts.push((key, 1)),
        (Change::Remove, Some(position)) => {
            if let Some((_, count)) = counts.get_mut(position) {
                *count -= 1;
                if *count == 0 {
                    counts.swap_remove(position);
                }
            }
        }
        (Change::Remove, None) => {}
    }
}

/// Who may see a node, kept densely beside the entities: a walk asks it of every neighbour, and
/// one byte per node stays in cache where the entities would not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Sight {
    /// No mention: no node.
    #[default]
    Nobody,
    /// Every mention is public: every caller sees the node and all its records.
    AllPublic,
    /// Some mention is public: every caller sees the node, not all its records.
    SomePublic,
    /// Mentioned only under labels: ask the node's labels.
    Labelled,
}

/// What charts read of every node they rank or show, kept densely for the same reason as
/// [`Sight`]: a page of a hub's neighbourhood ranks tens of thousands of nodes tied on weight by
/// id.
#[derive(Debug, Clone, Copy, Default)]
struct Rank {
    /// The entity's first eight id bytes as a big-endian number: ids that differ there compare
    /// as their prefixes do.
    id_prefix: u64,
    /// How many records mention the entity: what every caller sees of a node whose mentions
    /// are all public.
    records: u32,
}

/// What one record contributes.
#[derive(Debug)]
struct Record {
    id: RecordId,
    /// (entity slot, label), sorted, without repeats. Boxed slices: a record's contributions
    /// are replaced whole, never grown.
    mentions: Box<[(u32, LabelId)]>,
    photo_matches: Box<[StoredMatch]>,
}

#[derive(Debug, Clone, Copy)]
struct StoredMatch {
    photo: u32,
    other: u32,
    other_record: u32,
    other_label: LabelId,
}

#[derive(Debug)]
struct Relation {
    id: Box<str>,
    kind: LinkKind,
    ends: [u32; 2],
    evidence: Vec<(u32, LabelId)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Remove,
}

/// The entity graph: a projection the server keeps in memory, fed from the store (records,
/// relations, merges, exclusions) and rebuilt on start.
///
/// Its inputs are replaced whole, so replaying them in any order converges: what a record
/// mentions and which of its photos match others ([`Graph::set_record`]), relations analysts
/// state ([`Graph::add_relation`]), merges of entities analysts decide ([`Graph::merge`],
/// reversible) and known-benign values without co-mention links ([`Graph::exclude`]). A node is
/// an entity some record mentions (merged entities are one node, known by the id they were
/// merged into); a link joins two nodes and carries its evidence, each piece needing labels the
/// caller must see. Queries take the caller's [`Visibility`] and show only nodes with a visible
/// mention and links with visible evidence.
#[derive(Debug, Default)]
pub struct Graph {
    labels: Labels,
    entities: Vec<Entity>,
    /// Per entity slot: who may see the node it heads.
    sight: Vec<Sight>,
    /// Per entity slot.
    ranks: Vec<Rank>,
    /// Entity slots by id; the ids live in the entities only.
    entity_ids: HashTable<u32>,
    records: Vec<Record>,
    record_ids: FxHashMap<RecordId, u32>,
    links: Links,
    relations: Vec<Option<Relation>>,
    relation_ids: FxHashMap<Box<str>, u32>,
    free_relations: Vec<u32>,
    /// Merge id → [into, merged].
    merges: FxHashMap<Box<str>, [u32; 2]>,
    /// Entity → the other end of each active merge naming it, and whether that end is the one
    /// merged into.
    merge_partners: FxHashMap<u32, Vec<(u32, bool)>>,
    /// Node (canonical entity) → all its entities, sorted; only for merged nodes.
    members: FxHashMap<u32, Vec<u32>>,
    /// Entity → the relations naming it.
    relations_of: FxHashMap<u32, Vec<u32>>,
    /// Entity → the records whose photo matches name it as the other photo (with repeats).
    matched_in: FxHashMap<u32, Vec<u32>>,
    marks: MarksPool,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Interns a label (access expression); `""` is [`LabelId::PUBLIC`].
    pub fn label(&mut self, text: &str) -> LabelId {
        self.labels.intern(text)
    }

    /// What a caller sees: `sees` is asked once for each label interned so far.
    pub fn visibility(&self, sees: impl FnMut(&str) -> bool) -> Visibility {
        self.labels.visibility(sees)
    }

    /// Replaces everything `record` contributes: its mentions and its photo matches. Empty
    /// vectors remove the record. A mention repeated under one label counts once; a photo match
    /// whose photo is not among the mentions is ignored (it could never be seen).
    pub fn set_record(
        &mut self,
        record: RecordId,
        mentions: Vec<MentionInput>,
        photo_matches: Vec<PhotoMatch>,
    ) {
        let slot = self.intern_record(record);
        self.apply_record(slot, Change::Remove);
        let Some(stored) = self.records.get_mut(slot as usize) else {
            return;
        };
        let old_mentions = std::mem::take(&mut stored.mentions);
        let old_matches = std::mem::take(&mut stored.photo_matches);
        self.change_mentions(slot, &old_mentions, Change::Remove);
        for matched in &old_matches {
            remove_one(&mut self.matched_in, matched.other, slot);
        }

        let mut new_mentions: Vec<(u32, LabelId)> = mentions
            .into_iter()
            .map(|mention| (self.name_entity(mention.entity, true), mention.label))
            .collect();
        new_mentions.sort_unstable();
        new_mentions.dedup();
        self.change_mentions(slot, &new_mentions, Change::Add);
        let mut new_matches = Vec::with_capacity(photo_matches.len());
        for matched in photo_matches {
            let Some(photo) = self.entity_slot(&matched.photo) else {
                continue;
            };
            if !new_mentions.iter().any(|&(entity, _)| entity == photo) {
                continue;
            }
            let other = self.name_entity(matched.other, false);
            let other_record = self.intern_record(matched.other_record);
            self.matched_in.entry(other).or_default().push(slot);
            new_matches.push(StoredMatch {
                photo,
                other,
                other_record,
                other_label: matched.other_label,
            });
        }
        if let Some(stored) = self.records.get_mut(slot as usize) {
            stored.mentions = new_mentions.into_boxed_slice();
            stored.photo_matches = new_matches.into_boxed_slice();
        }
        self.apply_record(slot, Change::Add);
    }

    /// Adds or removes a record's mentions (sorted by entity) to or from its entities.
    fn change_mentions(&mut self, record: u32, mentions: &[(u32, LabelId)], change: Change) {
        for group in mentions.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(entity, _)) = group.first() else {
                continue;
            };
            let labels: SmallVec<[LabelId; 4]> = group.iter().map(|&(_, label)| label).collect();
            let need = self.labels.need_any(&labels);
            if let Some(found) = self.entities.get_mut(entity as usize) {
                found.change_record(record, &labels, need, change);
            }
            if let Some(rank) = self.ranks.get_mut(entity as usize) {
                match change {
                    Change::Add => rank.records += 1,
                    Change::Remove => rank.records -= 1,
                }
            }
        }
    }

    /// Adds a relation, replacing one with the same id. An end no record mentions yet is kept:
    /// the link shows once a record mentions it.
    pub fn add_relation(&mut self, relation: RelationInput) {
        self.remove_relation(&relation.id);
        let from = self.intern_entity(&relation.from);
        let to = self.intern_entity(&relation.to);
        let evidence = relation
            .evidence
            .into_iter()
            .map(|(record, label)| (self.intern_record(record), label))
            .collect();
        let stored = Relation {
            id: relation.id.into(),
            kind: relation.kind,
            ends: [from, to],
            evidence,
        };
        let slot = match self.free_relations.pop() {
            Some(slot) => {
                if let Some(place) = self.relations.get_mut(slot as usize) {
                    *place = Some(stored);
                }
                slot
            }
            None => {
                self.relations.push(Some(stored));
                dense(self.relations.len() - 1)
            }
        };
        if let Some(Some(stored)) = self.relations.get(slot as usize) {
            self.relation_ids.insert(stored.id.clone(), slot);
        }
        self.relations_of.entry(from).or_default().push(slot);
        if to != from {
            self.relations_of.entry(to).or_default().push(slot);
        }
        self.apply_relation(slot, Change::Add);
    }

    /// Removes a relation; an unknown id is ignored.
    pub fn remove_relation(&mut self, id: &str) {
        let Some(slot) = self.relation_ids.remove(id) else {
            return;
        };
        self.apply_relation(slot, Change::Remove);
        let Some(relation) = self.relations.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        for end in relation.ends {
            remove_one(&mut self.relations_of, end, slot);
        }
        self.free_relations.push(slot);
    }

    /// Records an analyst's decision that `merged` is the same as `into`, replacing an earlier
    /// merge with the same id. Chains are allowed (a into b, b into c: one node, c). A node's id is
    /// that of the entity its members were merged into; should the merges name several such
    /// entities (one entity merged into two) or none (a cycle), the smallest id among them (or
    /// among all members) is taken. Merging an entity into itself does nothing.
    pub fn merge(&mut self, merge_id: &str, into: &str, merged: &str) {
        self.undo_merge(merge_id);
        if into == merged {
            return;
        }
        let into = self.intern_entity(into);
        let merged = self.intern_entity(merged);
        let mut affected = self.component(into);
        affected.extend(self.component(merged));
        self.merges.insert(merge_id.into(), [into, merged]);
        self.merge_partners
            .entry(into)
            .or_default()
            .push((merged, false));
        self.merge_partners
            .entry(merged)
            .or_default()
            .push((into, true));
        self.regroup(affected);
    }

    /// Undoes a merge; the nodes it joined split as the remaining merges say. An unknown id is
    /// ignored.
    pub fn undo_merge(&mut self, merge_id: &str) {
        let Some([into, merged]) = self.merges.remove(merge_id) else {
            return;
        };
        let affected = self.component(into);
        remove_one(&mut self.merge_partners, into, (merged, false));
        remove_one(&mut self.merge_partners, merged, (into, true));
        self.regroup(affected);
    }

    /// Marks an entity as a known-benign value: it keeps its node and its relations but gets no
    /// co-mention or image-match links. Kept for entities no record mentions yet.
    pub fn exclude(&mut self, entity: &str) {
        self.set_excluded(entity, true);
    }

    /// Undoes [`Graph::exclude`].
    pub fn include(&mut self, entity: &str) {
        self.set_excluded(entity, false);
    }

    /// The node an entity belongs to, after merges; `None` when no record mentions it.
    pub fn node(&self, entity: &str) -> Option<NodeId> {
        let node = self.canonical(self.entity_slot(entity)?);
        self.entities
            .get(node as usize)
            .is_some_and(|node| !node.labels.is_empty())
            .then_some(NodeId(node))
    }

    /// Sizes of the graph and the memory it holds.
    pub fn stats(&self) -> GraphStats {
        let nodes = self
            .entities
            .iter()
            .zip(0..)
            .filter(|(entity, slot)| entity.canonical == *slot && !entity.labels.is_empty())
            .count();
        let records = self
            .records
            .iter()
            .filter(|record| !record.mentions.is_empty())
            .count();
        let entities: usize = self
            .entities
            .iter()
            .map(|entity| {
                entity.id.len()
                    + entity.face.as_ref().map_or(0, |(_, name)| name.len())
                    + entity.mentions.capacity() * size_of::<(u32, LabelId)>()
                    + if entity.needs.spilled() {
                        entity.needs.capacity() * size_of::<(Need, u32)>()
                    } else {
                        0
                    }
                    + if entity.labels.spilled() {
                        entity.labels.capacity() * size_of::<(LabelId, u32)>()
                    } else {
                        0
                    }
            })
            .sum();
        let record_bytes: usize = self
            .records
            .iter()
            .map(|record| size_of_val(&*record.mentions) + size_of_val(&*record.photo_matches))
            .sum();
        let side_tables: usize = [&self.members, &self.relations_of, &self.matched_in]
            .iter()
            .flat_map(|table| table.values())
            .map(|list| list.capacity() * size_of::<u32>() + 3 * size_of::<usize>() + 8)
            .sum();
        GraphStats {
            nodes,
            links: self.links.live,
            evidence: self.links.evidence,
            records,
            heap_bytes: self.entities.capacity() * size_of::<Entity>()
                + self.sight.capacity() * size_of::<Sight>()
                + self.ranks.capacity() * size_of::<Rank>()
                + entities
                + self.entity_ids.capacity() * (size_of::<u32>() + 1)
                + self.records.capacity() * size_of::<Record>()
                + record_bytes
                + self.record_ids.capacity() * (size_of::<(RecordId, u32)>() + 1)
                + self.links.heap_bytes()
                + side_tables
                + self.marks.heap_bytes(),
        }
    }

    fn entity_slot(&self, id: &str) -> Option<u32> {
        let hash = FxBuildHasher.hash_one(id);
        self.entity_ids
            .find(hash, |&slot| {
                self.entities
                    .get(slot as usize)
                    .is_some_and(|entity| &*entity.id == id)
            })
            .copied()
    }

    fn intern_entity(&mut self, id: &str) -> u32 {
        if let Some(slot) = self.entity_slot(id) {
            return slot;
        }
        let slot = dense(self.entities.len());
        self.entities.push(Entity {
            id: id.into(),
            face: None,
            mentions: Vec::new(),
            needs: SmallVec::new(),
            canonical: slot,
            excluded: false,
            labels: SmallVec::new(),
        });
        let entities = &self.entities;
        self.entity_ids
            .insert_unique(FxBuildHasher.hash_one(id), slot, |&slot| {
                FxBuildHasher.hash_one(entities.get(slot as usize).map_or("", |entity| &*entity.id))
            });
        self.sight.push(Sight::Nobody);
        let mut prefix = [0; 8];
        for (byte, from) in prefix.iter_mut().zip(id.as_bytes()) {
            *byte = *from;
        }
        self.ranks.push(Rank {
            id_prefix: u64::from_be_bytes(prefix),
            records: 0,
        });
        self.links.reserve_nodes(self.entities.len());
        slot
    }

    /// Interns an entity and gives it the input's kind and name: always for a mention (the
    /// latest record wins), only when it has none for the other photo of a match.
    fn name_entity(&mut self, input: EntityInput, overwrite: bool) -> u32 {
        let slot = self.intern_entity(&input.id);
        if let Some(entity) = self.entities.get_mut(slot as usize)
            && (overwrite || entity.face.is_none())
        {
            let unchanged = entity
                .face
                .as_ref()
                .is_some_and(|(kind, name)| *kind == input.kind && **name == *input.name);
            if !unchanged {
                entity.face = Some((input.kind, input.name.into()));
            }
        }
        slot
    }

    fn intern_record(&mut self, id: RecordId) -> u32 {
        if let Some(&slot) = self.record_ids.get(&id) {
            return slot;
        }
        let slot = dense(self.records.len());
        self.records.push(Record {
            id,
            mentions: Box::default(),
            photo_matches: Box::default(),
        });
        self.record_ids.insert(id, slot);
        slot
    }

    fn canonical(&self, entity: u32) -> u32 {
        canonical(&self.entities, entity)
    }

    /// The entities of the node `entity` belongs to.
    fn component(&self, entity: u32) -> Vec<u32> {
        let node = self.canonical(entity);
        self.members
            .get(&node)
            .cloned()
            .unwrap_or_else(|| vec![node])
    }

    fn set_excluded(&mut self, entity: &str, excluded: bool) {
        let slot = self.intern_entity(entity);
        if self
            .entities
            .get(slot as usize)
            .is_none_or(|entity| entity.excluded == excluded)
        {
            return;
        }
        let records = self.records_naming(&[slot]);
        for &record in &records {
            self.apply_record(record, Change::Remove);
        }
        if let Some(entity) = self.entities.get_mut(slot as usize) {
            entity.excluded = excluded;
        }
        for &record in &records {
            self.apply_record(record, Change::Add);
        }
    }

    /// The records whose contributions involve any of `entities`: those mentioning them and
    /// those whose photo matches name them.
    fn records_naming(&self, entities: &[u32]) -> Vec<u32> {
        let mut records: Vec<u32> = entities
            .iter()
            .flat_map(|&entity| {
                let mentioned = self
                    .entities
                    .get(entity as usize)
                    .into_iter()
                    .flat_map(|entity| entity.mentions.iter().map(|&(record, _)| record));
                let matched = self.matched_in.get(&entity).into_iter().flatten().copied();
                mentioned.chain(matched)
            })
            .collect();
        records.sort_unstable();
        records.dedup();
        records
    }

    /// Re-derives the nodes of `affected` (a union of whole nodes) from the active merges, and
    /// re-applies every contribution naming them under the new grouping.
    fn regroup(&mut self, mut affected: Vec<u32>) {
        affected.sort_unstable();
        affected.dedup();
        let records = self.records_naming(&affected);
        let mut relations: Vec<u32> = affected
            .iter()
            .filter_map(|entity| self.relations_of.get(entity))
            .flatten()
            .copied()
            .collect();
        relations.sort_unstable();
        relations.dedup();
        for &record in &records {
            self.apply_record(record, Change::Remove);
        }
        for &relation in &relations {
            self.apply_relation(relation, Change::Remove);
        }

        for entity in &affected {
            self.members.remove(entity);
        }
        let mut placed = FxHashSet::default();
        for &start in &affected {
            if !placed.insert(start) {
                continue;
            }
            let mut component = vec![start];
            let mut next = 0;
            while let Some(&entity) = component.get(next) {
                next += 1;
                for &(partner, _) in self.merge_partners.get(&entity).into_iter().flatten() {
                    if placed.insert(partner) {
                        component.push(partner);
                    }
                }
            }
            let canonical = self.choose_canonical(&component);
            for &entity in &component {
                if let Some(entity) = self.entities.get_mut(entity as usize) {
                    entity.canonical = canonical;
                }
            }
            if component.len() > 1 {
                component.sort_unstable();
                self.members.insert(canonical, component);
            }
        }

        for &record in &records {
            self.apply_record(record, Change::Add);
        }
        for &relation in &relations {
            self.apply_relation(relation, Change::Add);
        }
    }

    /// The entity a merged component is known by: the one no active merge merged into another;
    /// failing a single one, the smallest id among those (or among all).
    fn choose_canonical(&self, component: &[u32]) -> u32 {
        let never_merged: Vec<u32> = component
            .iter()
            .copied()
            .filter(|entity| {
                !self.merge_partners.get(entity).is_some_and(|partners| {
                    partners.iter().any(|&(_, partner_is_into)| partner_is_into)
                })
            })
            .collect();
        let pool = if never_merged.is_empty() {
            component
        } else {
            &never_merged
        };
        pool.iter()
            .copied()
            .min_by(|&a, &b| self.entity_id(a).cmp(self.entity_id(b)))
            .unwrap_or(0)
    }

    fn entity_id(&self, entity: u32) -> &str {
        self.entities
            .get(entity as usize)
            .map_or("", |entity| &entity.id)
    }

    /// Adds or removes what a record contributes to nodes and links, under the current merges and
    /// exclusions. Removing re-derives exactly what adding derived, so the two must run under the
    /// same merges and exclusions: every change to those removes first and adds after.
    fn apply_record(&mut self, slot: u32, change: Change) {
        let Some(record) = self.records.get_mut(slot as usize) else {
            return;
        };
        let mentions = std::mem::take(&mut record.mentions);
        let matches = std::mem::take(&mut record.photo_matches);

        for &(entity, label) in &mentions {
            self.change_node_label(self.canonical(entity), label, change);
        }

        // Co-mention: each pair of nodes, each end needing any of the labels it is mentioned under
        // here (an excluded entity's mentions make no links).
        let mut by_node: SmallVec<[(u32, LabelId); 16]> = mentions
            .iter()
            .filter(|&&(entity, _)| !self.is_excluded(entity))
            .map(|&(entity, label)| (self.canonical(entity), label))
            .collect();
        by_node.sort_unstable();
        by_node.dedup();
        let mut nodes: SmallVec<[(u32, Need); 16]> = SmallVec::new();
        for group in by_node.chunk_by(|a, b| a.0 == b.0) {
            let labels: SmallVec<[LabelId; 4]> = group.iter().map(|&(_, label)| label).collect();
            if let Some(&(node, _)) = group.first() {
                nodes.push((node, self.labels.need_any(&labels)));
            }
        }
        for (position, &(a, a_needs)) in nodes.iter().enumerate() {
            for &(b, b_needs) in nodes.iter().skip(position + 1) {
                let evidence = Evidence {
                    record: slot,
                    other_record: NO_RECORD,
                    needs: [a_needs, b_needs],
                    kind: LinkKind::CoMention,
                };
                self.links.change((a, b), evidence, change);
            }
        }

        for matched in &matches {
            if self.is_excluded(matched.photo) || self.is_excluded(matched.other) {
                continue;
            }
            let (photo, other) = (self.canonical(matched.photo), self.canonical(matched.other));
            if photo == other {
                continue;
            }
            let labels: SmallVec<[LabelId; 4]> = mentions
                .iter()
                .filter(|&&(entity, _)| entity == matched.photo)
                .map(|&(_, label)| label)
                .collect();
            if labels.is_empty() {
                continue;
            }
            let evidence = Evidence {
                record: slot,
                other_record: matched.other_record,
                needs: [
                    self.labels.need_any(&labels),
                    Need::label(matched.other_label),
                ],
                kind: LinkKind::ImageMatch,
            };
            self.links.change((photo, other), evidence, change);
        }

        if let Some(record) = self.records.get_mut(slot as usize) {
            record.mentions = mentions;
            record.photo_matches = matches;
        }
    }

    /// Adds or removes the link a relation makes, under the current merges.
    fn apply_relation(&mut self, slot: u32, change: Change) {
        let Some(Some(relation)) = self.relations.get(slot as usize) else {
            return;
        };
        let (from, to) = (
            canonical(&self.entities, relation.ends[0]),
            canonical(&self.entities, relation.ends[1]),
        );
        if from == to {
            return;
        }
        for &(record, label) in &relation.evidence {
            let evidence = Evidence {
                record,
                other_record: NO_RECORD,
                needs: [Need::label(label), Need::PUBLIC],
                kind: relation.kind,
            };
            self.links.change((from, to), evidence, change);
        }
    }

    /// Counts one more or one fewer mention of a node under `label`.
    fn change_node_label(&mut self, node: u32, label: LabelId, change: Change) {
        let Some(entity) = self.entities.get_mut(node as usize) else {
            return;
        };
        let labels = &mut entity.labels;
        count(labels, label, change);
        let sight = match labels.as_slice() {
            [] => Sight::Nobody,
            [(LabelId::PUBLIC, _)] => Sight::AllPublic,
            _ if labels.iter().any(|&(label, _)| label == LabelId::PUBLIC) => Sight::SomePublic,
            _ => Sight::Labelled,
        };
        if let Some(place) = self.sight.get_mut(node as usize) {
            *place = sight;
        }
    }

    fn is_excluded(&self, entity: u32) -> bool {
        self.entities
            .get(entity as usize)
            .is_some_and(|entity| entity.excluded)
    }
}

fn canonical(entities: &[Entity], entity: u32) -> u32 {
    entities
        .get(entity as usize)
        .map_or(entity, |found| found.canonical)
}

/// Removes one occurrence of `value` from the list kept under `key`, and the list once empty.
fn remove_one<T: PartialEq>(table: &mut FxHashMap<u32, Vec<T>>, key: u32, value: T) {
    if let Some(list) = table.get_mut(&key) {
        if let Some(position) = list.iter().position(|item| *item == value) {
            list.swap_remove(position);
        }
        if list.is_empty() {
            table.remove(&key);
        }
    }
}

/// A slot number: slots are dense indexes, far below 2³² in any graph that fits in memory.
fn dense(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
