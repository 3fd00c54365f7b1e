use humdex_model::{Denied, InvalidInput, State};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No record, user or pool by that name.
    #[error("not found")]
    NotFound,
    /// The caller edited a version that is no longer current.
    #[error("version {expected} is not current; the record is at version {current}")]
    VersionConflict {
        /// The version the caller edited.
        expected: i64,
        /// The record's current version.
        current: i64,
    },
    /// The workflow does not lead from `from` to `to`.
    #[error("a record in {from} cannot move to {to}")]
    IllegalTransition {
        /// The record's state.
        from: State,
        /// The state asked for.
        to: State,
    },
    /// The input breaks a rule of the model.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The writer's privileges do not allow the write.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// An idempotency key came back with a different request.
    #[error("this idempotency key was used for a different request")]
    IdempotencyKeyReused,
    /// A claim on a record that no pool holds.
    #[error("the record is not assigned to a pool")]
    NotPoolAssigned,
    /// A claim by someone outside the record's pool.
    #[error("you are not a member of pool {0}")]
    NotPoolMember(String),
    /// A user by that name exists already.
    #[error("user {0} exists already")]
    UserExists(String),
    /// The URL names no database this store supports.
    #[error("unsupported database URL (use sqlite://PATH or postgres://…)")]
    UnsupportedUrl,
    /// The data directory could not be created.
    #[error("cannot create the data directory: {0}")]
    DataDir(#[source] std::io::Error),
    /// A stored document failed to parse: the store was changed behind Humdex's back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A projection could not derive its state from the journal.
    #[error("projection: {0}")]
    Projection(String),
    /// The writer task has stopped, so nothing can be written.
    #[error("the store's writer has stopped")]
    WriterStopped,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}
