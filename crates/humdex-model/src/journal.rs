//! The journal: every change, in order, for projections to tail.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Kind, State};

/// A journal position. Sequence numbers grow with every change and become visible in order.
pub type Seq = i64;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A record was taken in.
    RecordCreated,
    /// A record's content changed.
    RecordUpdated,
    /// A record moved in the workflow or changed hands.
    RecordTransitioned,
    /// A pool member claimed a record.
    RecordClaimed,
    /// A file was attached to a record.
    AttachmentAdded,
    /// A user was added.
    UserAdded,
    /// A pool was created or its members changed.
    PoolChanged,
}

impl ChangeKind {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecordCreated => "record_created",
            Self::RecordUpdated => "record_updated",
            Self::RecordTransitioned => "record_transitioned",
            Self::RecordClaimed => "record_claimed",
            Self::AttachmentAdded => "attachment_added",
            Self::UserAdded => "user_added",
            Self::PoolChanged => "pool_changed",
        }
    }
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// Position in the journal.
    pub seq: Seq,
    /// What happened.
    pub change: ChangeKind,
    /// What it happened to: a record id, a username or a pool name.
    pub subject: String,
    /// The subject's version after the change.
    pub version: i64,
    /// Who did it.
    pub actor: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// For record changes: the record's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// For record changes: the workflow state after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// For record changes: the workflow state before the change (none for a new record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<State>,
}
