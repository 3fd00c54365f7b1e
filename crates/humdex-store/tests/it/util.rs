use std::collections::BTreeMap;

use humdex_model::{
    Field, FieldName, Kind, Label, NewRecord, Priority, Reader, Record, RecordId, RecordView, Role,
    User, Username,
};
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
        label_pointer: false,
        point_of_contact: None,
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

/// The label written `text`, which must parse.
pub fn label(text: &str) -> Label {
    text.parse()
        .unwrap_or_else(|error| panic!("`{text}` is not a label: {error}"))
}

pub fn text(value: &str, label: Option<&str>) -> Field {
    Field {
        value: humdex_model::FieldValue::Text(value.to_owned()),
        label: label.map(self::label),
    }
}

/// User `name` with `role` and `authorizations`, as a reader (and writer) of records. The user
/// need not exist in the store: the store takes the reader's word, as the server does after
/// authenticating them.
pub fn reader(name: &str, role: Role, authorizations: &[&str]) -> Reader {
    Reader::new(&User {
        username: name.parse().unwrap(),
        role,
        authorizations: authorizations
            .iter()
            .map(|authorization| (*authorization).to_owned())
            .collect(),
    })
}

/// Analyst `name` with the authorizations [`add_user`] gives: `LE`.
pub fn analyst(name: &str) -> Reader {
    reader(name, Role::Analyst, &["LE"])
}

/// Defines each of `authorizations`, as admin.
pub async fn define(backend: &Backend, authorizations: &[&str]) {
    for authorization in authorizations {
        backend
            .store
            .define_authorization(
                "admin",
                authorization,
                &format!("holders may read what {authorization} guards"),
                now(),
            )
            .await
            .ok_on(backend.name);
    }
}

/// Record `id` as `reader` reads it, which must be the whole record: nothing withheld.
pub async fn read(backend: &Backend, reader: &Reader, id: RecordId) -> Record {
    whole(
        backend.name,
        backend.store.record(reader, id).await.ok_on(backend.name),
    )
}

/// The record in `view`, which must be the whole record: not a pointer, nothing withheld.
#[track_caller]
pub fn whole(backend: &str, view: RecordView) -> Record {
    let RecordView::Full(visible) = view else {
        panic!("{backend}: expected the record, got {view:?}");
    };
    assert!(
        visible.withheld_fields().is_empty() && visible.withheld_attachments() == 0,
        "{backend}: expected nothing withheld: {visible:?}"
    );
    visible.record().clone()
}

/// Every version of record `id` as `reader` reads them, oldest first; each must be whole.
pub async fn versions(backend: &Backend, reader: &Reader, id: RecordId) -> Vec<Record> {
    backend
        .store
        .record_versions(reader, id)
        .await
        .ok_on(backend.name)
        .into_iter()
        .map(|visible| whole(backend.name, RecordView::Full(Box::new(visible))))
        .collect()
}

/// Adds user `name` with role analyst and authorization `LE` (which is not defined by this).
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
    actor: &Reader,
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
