//! The journal: every change, in order, for projections to tail.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Kind, Label, State};

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
    /// A record's labels changed (with or without other content).
    RecordRelabelled,
    /// An admin defined an authorization that labels may name.
    AuthorizationDefined,
    /// A user's authorizations were granted or revoked.
    AuthorizationsChanged,
    /// A record version was released to users or pools.
    RecordDisseminated,
    /// A user's password was changed, by themselves or reset by an admin.
    PasswordChanged,
    /// A user was disabled: they cannot sign in, and their sessions and tokens stop working.
    UserDisabled,
    /// A disabled user was enabled again.
    UserEnabled,
    /// A user turned on a second factor (TOTP).
    MfaEnabled,
    /// A user's second factor was turned off, by themselves or by an admin.
    MfaDisabled,
    /// The roles that must use a second factor changed.
    MfaPolicyChanged,
    /// An API token was created; the subject is the token's id.
    TokenCreated,
    /// An API token was revoked; the subject is the token's id.
    TokenRevoked,
    /// A user created a subscription; the subject is its id. The entry names neither its query
    /// nor its name: every reader of the journal sees it.
    SubscriptionCreated,
    /// A subscription was paused or resumed; the subject is its id.
    SubscriptionChanged,
    /// A subscription was deleted, with its notifications; the subject is its id.
    SubscriptionDeleted,
    /// An analyst merged one entity into another; the subject is the merge's id.
    EntitiesMerged,
    /// An analyst undid a merge; the subject is the merge's id.
    EntityMergeUndone,
    /// An admin excluded a known-benign entity (a switchboard, a platform's domain) from linking;
    /// the subject is the entity's id.
    EntityExcluded,
    /// An excluded entity links again; the subject is the entity's id.
    EntityExclusionRemoved,
    /// An analyst added a relation between two entities; the subject is the relation's id.
    RelationAdded,
    /// A relation was removed; the subject is the relation's id.
    RelationRemoved,
    /// A map layer was created; the subject is the layer's id.
    LayerCreated,
    /// A map layer was deleted; the subject is the layer's id.
    LayerDeleted,
    /// A track (a vessel's, a vehicle's, a journey's positions) was created; the subject is its id.
    TrackCreated,
    /// Positions were added to a track; the subject is its id.
    TrackPositionsAdded,
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
            Self::PasswordChanged => "password_changed",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::MfaPolicyChanged => "mfa_policy_changed",
            Self::TokenCreated => "token_created",
            Self::TokenRevoked => "token_revoked",
            Self::RecordRelabelled => "record_relabelled",
            Self::AuthorizationDefined => "authorization_defined",
            Self::AuthorizationsChanged => "authorizations_changed",
            Self::RecordDisseminated => "record_disseminated",
            Self::SubscriptionCreated => "subscription_created",
            Self::SubscriptionChanged => "subscription_changed",
            Self::SubscriptionDeleted => "subscription_deleted",
            Self::EntitiesMerged => "entities_merged",
            Self::EntityMergeUndone => "entity_merge_undone",
            Self::EntityExcluded => "entity_excluded",
            Self::EntityExclusionRemoved => "entity_exclusion_removed",
            Self::RelationAdded => "relation_added",
            Self::RelationRemoved => "relation_removed",
            Self::LayerCreated => "layer_created",
            Self::LayerDeleted => "layer_deleted",
            Self::TrackCreated => "track_created",
            Self::TrackPositionsAdded => "track_positions_added",
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
    /// What it happened to: a record id, a username, a pool name, an API token's or a
    /// subscription's id, or `mfa_policy`.
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
    /// For record changes: the record's label after the change; readers who do not satisfy it
    /// do not see the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// For record changes: the record's label before the change. Never shown: readers of the
    /// new label need not learn the old one.
    #[serde(default, skip_serializing)]
    pub previous_label: Option<Label>,
}

#[cfg(test)]
mod tests {
    use super::ChangeKind;

    #[test]
    fn stored_names_match_the_json_names() {
        for kind in [
            ChangeKind::RecordCreated,
            ChangeKind::RecordUpdated,
            ChangeKind::RecordTransitioned,
            ChangeKind::RecordClaimed,
            ChangeKind::AttachmentAdded,
            ChangeKind::UserAdded,
            ChangeKind::PoolChanged,
            ChangeKind::RecordRelabelled,
            ChangeKind::AuthorizationDefined,
            ChangeKind::AuthorizationsChanged,
            ChangeKind::PasswordChanged,
            ChangeKind::UserDisabled,
            ChangeKind::UserEnabled,
            ChangeKind::MfaEnabled,
            ChangeKind::MfaDisabled,
            ChangeKind::MfaPolicyChanged,
            ChangeKind::TokenCreated,
            ChangeKind::TokenRevoked,
            ChangeKind::SubscriptionCreated,
            ChangeKind::SubscriptionChanged,
            ChangeKind::SubscriptionDeleted,
            ChangeKind::EntitiesMerged,
            ChangeKind::EntityMergeUndone,
            ChangeKind::EntityExcluded,
            ChangeKind::EntityExclusionRemoved,
            ChangeKind::RelationAdded,
            ChangeKind::RelationRemoved,
            ChangeKind::LayerCreated,
            ChangeKind::LayerDeleted,
            ChangeKind::TrackCreated,
            ChangeKind::TrackPositionsAdded,
        ] {
            // The journal stores `as_str` and reads it back through serde.
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().to_owned())
            );
        }
    }
}
