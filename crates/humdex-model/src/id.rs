//! Ids of things made on this node: UUIDv7s, so they sort by creation time and pages can use
//! them as cursors.

/// Declares `$name`, a UUIDv7 id. Ids of one type made in one process are strictly increasing,
/// even within one millisecond: a shared counter orders them, where their random bits would
/// otherwise shuffle a page of the newest.
macro_rules! time_ordered_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            #[doc = concat!("A new id for ", $what, " created at `at`.")]
            pub fn new(at: jiff::Timestamp) -> Self {
                static CONTEXT: std::sync::Mutex<uuid::ContextV7> =
                    std::sync::Mutex::new(uuid::ContextV7::new());
                let seconds = u64::try_from(at.as_second()).unwrap_or(0);
                let nanos = u32::try_from(at.subsec_nanosecond()).unwrap_or(0);
                Self(uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
                    &CONTEXT, seconds, nanos,
                )))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(text).map(Self)
            }
        }
    };
}

pub(crate) use time_ordered_id;
