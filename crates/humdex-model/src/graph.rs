//! What analysts decide about entities, beyond what text analysis finds: that two entities are
//! one (a merge, reversible, with its reason), that a value links nothing (an exclusion, such as a
//! switchboard number), and how two entities relate (a relation, with the records that show it).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{EntityKind, InvalidInput, Label, RecordId};

/// The kinds of relation an analyst may state, as stored and written in JSON.
pub const RELATION_KINDS: [&str; 7] = [
    "associate",
    "family",
    "employer",
    "uses_phone",
    "owns_vehicle",
    "travelled_to",
    "paid",
];

const MAX_REASON: usize = 2000;
const MAX_NOTE: usize = 2000;
/// More evidence than this is a list to attach to a case, not to one relation.
const MAX_EVIDENCE: usize = 100;

/// Whether `text` has between 1 and `max` characters, not all of them white space.
pub(crate) fn sized(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max
}

/// Checks the reason given for a merge or an exclusion (at `field`): the provenance a later
/// analyst reads before trusting or undoing it.
pub fn validate_reason(field: &str, reason: &str) -> Result<(), InvalidInput> {
    if sized(reason, MAX_REASON) {
        Ok(())
    } else {
        Err(InvalidInput::at(
            field,
            format!("a reason is 1 to {MAX_REASON} characters"),
        ))
    }
}

/// An analyst's decision that entity `merged` is entity `into`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntityMerge {
    /// The merge's id.
    pub id: Uuid,
    /// The entity that stands for both.
    pub into: String,
    /// The entity merged into it.
    pub merged: String,
    /// Why, in the analyst's words.
    pub reason: String,
    /// Who merged them.
    pub actor: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// Who undid the merge, and when; `None` while it stands.
    #[schema(value_type = Option<Vec<String>>)]
    pub undone: Option<(String, Timestamp)>,
}

/// A known-benign entity that links nothing: a switchboard, a platform's domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntityExclusion {
    /// The entity.
    pub entity: String,
    /// Its type.
    pub kind: EntityKind,
    /// Its normalised value, as the entity is keyed.
    pub key: String,
    /// Why it links nothing.
    pub reason: String,
    /// Who excluded it.
    pub actor: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// A relation as an analyst states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelation {
    /// One of [`RELATION_KINDS`].
    pub kind: String,
    /// The entity it goes from (for `employer`, the employee; for `paid`, the payer).
    pub from: String,
    /// The entity it goes to.
    pub to: String,
    /// The records that show it; at least one.
    pub evidence: Vec<RecordId>,
    /// Who may see it, besides those who may see its entities and evidence.
    #[serde(default)]
    pub label: Option<Label>,
    /// The analyst's note.
    #[serde(default)]
    pub note: String,
}

impl NewRelation {
    /// Checks the rules that need no storage.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if !RELATION_KINDS.contains(&self.kind.as_str()) {
            return Err(InvalidInput::at(
                "kind",
                format!(
                    "unknown relation `{}` ({})",
                    self.kind,
                    RELATION_KINDS.join(", ")
                ),
            ));
        }
        if self.from == self.to {
            return Err(InvalidInput::at(
                "to",
                "a relation joins two different entities",
            ));
        }
        if self.evidence.is_empty() || self.evidence.len() > MAX_EVIDENCE {
            return Err(InvalidInput::at(
                "evidence",
                format!("a relation cites 1 to {MAX_EVIDENCE} records as evidence"),
            ));
        }
        if self.note.chars().count() > MAX_NOTE {
            return Err(InvalidInput::at(
                "note",
                format!("a note is at most {MAX_NOTE} characters"),
            ));
        }
        Ok(())
    }
}

/// A relation an analyst stated between two entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Relation {
    /// The relation's id.
    pub id: Uuid,
    /// One of [`RELATION_KINDS`].
    pub kind: String,
    /// The entity it goes from.
    pub from: String,
    /// The entity it goes to.
    pub to: String,
    /// The records that show it, each once, in the order given.
    pub evidence: Vec<RecordId>,
    /// Its own label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// The analyst's note.
    pub note: String,
    /// Who stated it.
    pub actor: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation() -> NewRelation {
        NewRelation {
            kind: "uses_phone".to_owned(),
            from: "a".to_owned(),
            to: "b".to_owned(),
            evidence: vec![RecordId::new(Timestamp::UNIX_EPOCH)],
            label: None,
            note: String::new(),
        }
    }

    #[test]
    fn relations_are_checked() {
        assert_eq!(relation().validate(), Ok(()));
        let refused = [
            (
                "kind",
                NewRelation {
                    kind: "co_mention".to_owned(),
                    ..relation()
                },
            ),
            (
                "to",
                NewRelation {
                    to: "a".to_owned(),
                    ..relation()
                },
            ),
            (
                "evidence",
                NewRelation {
                    evidence: Vec::new(),
                    ..relation()
                },
            ),
            (
                "note",
                NewRelation {
                    note: "n".repeat(MAX_NOTE + 1),
                    ..relation()
                },
            ),
        ];
        for (field, new) in refused {
            assert_eq!(new.validate().unwrap_err().field.as_deref(), Some(field));
        }
    }

    #[test]
    fn reasons_are_required() {
        assert!(validate_reason("reason", "same passport number").is_ok());
        assert!(validate_reason("reason", " ").is_err());
        assert!(validate_reason("reason", &"r".repeat(MAX_REASON + 1)).is_err());
    }
}
