//! Domain types of Humdex: the [`Record`] (a report or a request) with its typed [`Field`]s, its
//! [`Source`], its workflow [`State`] and [`Assignee`]; the [`Change`]s the journal keeps; users and
//! their [`Role`]s.
//!
//! This crate owns the rules that need no storage: which workflow transitions are legal, what a
//! valid record looks like. It must not do I/O: the clock comes in as a parameter.
#![warn(missing_docs)]

mod dissemination;
mod error;
mod field;
mod graph;
mod id;
mod journal;
mod label;
mod map;
mod mention;
mod record;
mod subscription;
mod user;
mod view;
mod workflow;

pub use dissemination::{Dissemination, HandlingCode, NewDissemination};
pub use error::{Denied, InvalidInput, Result};
pub use field::{Field, FieldJson, FieldName, FieldValue, Location, ValueType};
pub use graph::{
    EntityExclusion, EntityMerge, NewRelation, RELATION_KINDS, Relation, validate_reason,
};
pub use journal::{Change, ChangeKind, Seq};
pub use label::{AuthorizationDefinition, Label, LabelError};
pub use map::{
    Layer, LayerFeature, MAX_LAYER_FEATURES, MAX_POSITIONS_PER_CALL, NewLayer, NewLayerFeature,
    NewPosition, NewTrack, Position, TRACK_KINDS, Track,
};
pub use mention::{EntityKind, IndicatorMention, Mention, TextPart};
pub use record::{
    Attachment, Channel, Credibility, Kind, NewRecord, Priority, Record, RecordId, RecordPatch,
    Reliability, Source,
};
pub use subscription::{
    DeliveryChannel, NewNotification, NewSubscription, Notification, Subscription, SubscriptionId,
};
pub use user::{Role, User, Username};
pub use view::{Reader, RecordPointer, RecordView, Sight, VisibleRecord};
pub use workflow::{Assignee, State};
