use std::collections::BTreeMap;

use humdex_model::{Field, FieldName, Kind, NewRecord, Priority, Role, Username};
use humdex_store::{NewUser, Store};
use humdex_testkit::TestDatabase;
use jiff::Timestamp;

/// A test database with the store opened on it. The database is kept so that it outlives the store.
pub struct Backend {
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    pub store: Store,
    _database: TestDatabase,
}

/// A fresh store on every backend this run tests.
pub async fn stores() -> Vec<Backend> {
    let mut stores = Vec::new();
    for database in TestDatabase::all().await {
        let store = Store::open(&database.url)
            .await
            .unwrap_or_else(|error| panic!("{}: cannot open the store: {error}", database.backend));
        stores.push(Backend {
            name: database.backend,
            store,
            _database: database,
        });
    }
    stores
}

/// Unwraps a store result, naming the backend when it failed.
pub trait OkOn<T> {
    fn ok_on(self, backend: &str) -> T;
}

impl<T, E: std::fmt::Debug> OkOn<T> for Result<T, E> {
    #[track_caller]
    fn ok_on(self, backend: &str) -> T {
        match self {
            Ok(value) => value,
            Err(error) => panic!("{backend}: unexpected error {error:?}"),
        }
    }
}

/// The clock. Code under test takes it as a parameter; tests may read it.
#[expect(clippy::disallowed_methods, reason = "tests may read the clock")]
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// `at` moved on by `milliseconds`, so that records get ids in a known order.
pub fn later(at: Timestamp, milliseconds: i64) -> Timestamp {
    at + jiff::SignedDuration::from_millis(milliseconds)
}

/// A bare record of `kind` titled `title`.
pub fn record(kind: Kind, title: &str) -> NewRecord {
    NewRecord {
        kind,
        title: title.to_owned(),
        narrative: String::new(),
        label: None,
        fields: BTreeMap::new(),
        source: None,
        created: None,
        priority: Priority::default(),
        due: None,
        assignee: None,
    }
}

pub fn field_name(name: &str) -> FieldName {
    FieldName::new(name).unwrap()
}

pub fn text(value: &str, label: Option<&str>) -> Field {
    Field {
        value: humdex_model::FieldValue::Text(value.to_owned()),
        label: label.map(Into::into),
    }
}

/// Adds user `name` with role analyst.
pub async fn add_user(backend: &Backend, name: &str) {
    let user = NewUser {
        username: name.parse::<Username>().unwrap(),
        role: Role::Analyst,
        password_hash: "$argon2id$not-a-real-hash".to_owned(),
        authorizations: vec!["LE".to_owned()],
    };
    backend
        .store
        .add_user("admin", user, now())
        .await
        .ok_on(backend.name);
}

/// Creates pool `name` holding `members`, who must be users already.
pub async fn set_pool(backend: &Backend, name: &str, members: &[&str]) {
    let members = members
        .iter()
        .map(|member| member.parse::<Username>().unwrap())
        .collect();
    backend
        .store
        .set_pool("admin", name, members, now())
        .await
        .ok_on(backend.name);
}

/// Takes in a record of `kind` titled `title` through the API channel, without an idempotency key.
pub async fn create(
    store: &humdex_store::Store,
    actor: &str,
    kind: Kind,
    title: &str,
) -> humdex_store::Result<humdex_store::Created> {
    store
        .create_record(
            actor,
            record(kind, title),
            humdex_model::Channel::Api,
            None,
            now(),
        )
        .await
}
