use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use humdex_model::Role;
use humdex_server::{AppState, Clock, Config};
use humdex_store::{NewUser, Store};
use humdex_testkit::TestDatabase;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

/// A node over a fresh database, with users `admin`, `ana` and `ben` (analysts), `sam`
/// (supervisor) and `pat` (partner).
pub struct Node {
    pub backend: &'static str,
    pub app: Router,
    pub state: AppState,
    pub store: Store,
    clock_ms: Arc<AtomicI64>,
    _database: TestDatabase,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The error code of an error reply, checking the error shape on the way.
    pub fn code(&self) -> &str {
        assert!(
            self.body["error"]["message"].is_string(),
            "error body without a message: {}",
            self.body
        );
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error: {}", self.body))
    }
}

pub async fn nodes() -> Vec<Node> {
    let mut nodes = Vec::new();
    for database in TestDatabase::all().await {
        nodes.push(Node::new(database, Config::default()).await);
    }
    nodes
}

impl Node {
    pub async fn new(database: TestDatabase, config: Config) -> Self {
        let store = Store::open(&database.url).await.unwrap();
        let clock_ms = Arc::new(AtomicI64::new(
            Timestamp::from_second(1_790_000_000)
                .unwrap()
                .as_millisecond(),
        ));
        let reading = clock_ms.clone();
        let clock: Clock =
            Arc::new(move || Timestamp::from_millisecond(reading.load(Ordering::SeqCst)).unwrap());
        let hash = humdex_server::auth::hash_password(PASSWORD).unwrap();
        for authorization in ["LE", "VICTIM_PII", "CASEWORK", "NGO"] {
            store
                .define_authorization("test", authorization, "for tests", clock())
                .await
                .unwrap();
        }
        // Ben lacks VICTIM_PII, so the example record's victim name is withheld from him.
        for (name, role, authorizations) in [
            (
                "admin",
                Role::Admin,
                &["LE", "VICTIM_PII", "CASEWORK", "NGO"][..],
            ),
            ("ana", Role::Analyst, &["LE", "VICTIM_PII"]),
            ("ben", Role::Analyst, &["LE"]),
            ("sam", Role::Supervisor, &["LE", "VICTIM_PII"]),
            ("pat", Role::Partner, &["LE", "VICTIM_PII"]),
        ] {
            let user = NewUser {
                username: name.parse().unwrap(),
                role,
                password_hash: hash.clone(),
                authorizations: authorizations.iter().map(|a| (*a).to_owned()).collect(),
            };
            store.add_user("test", user, clock()).await.unwrap();
        }
        let state = AppState::new(store.clone(), config, clock).unwrap();
        let app = humdex_server::app(state.clone());
        Self {
            backend: database.backend,
            app,
            state,
            store,
            clock_ms,
            _database: database,
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        self.clock_ms
            .fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            bytes,
        }
    }

    /// A call whose answer is read as it comes (an event stream); `token` signs it.
    pub async fn open(
        &self,
        uri: &str,
        token: &str,
        headers: &[(&str, &str)],
    ) -> axum::response::Response {
        let request = request(Method::GET, uri, Some(token), None, headers);
        self.app.clone().oneshot(request).await.unwrap()
    }

    /// A JSON call; `token` signs it, `headers` add to it.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.send(request(method, uri, token, body, headers)).await
    }

    /// A JSON call from client `address`, as `humdex serve` would see it through `ConnectInfo`.
    pub async fn call_from(
        &self,
        address: &str,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = request(method, uri, token, body, &[]);
        let address: SocketAddr = format!("{address}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(address));
        self.send(request).await
    }

    /// A sign-in attempt with `password`, from `address` if given.
    pub async fn try_login(&self, username: &str, password: &str, address: Option<&str>) -> Reply {
        let body = json!({"username": username, "password": password});
        match address {
            Some(address) => {
                self.call_from(
                    address,
                    Method::POST,
                    "/api/v1/auth/login",
                    None,
                    Some(body),
                )
                .await
            }
            None => {
                self.call(Method::POST, "/api/v1/auth/login", None, Some(body), &[])
                    .await
            }
        }
    }

    /// The node's clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.clock_ms.load(Ordering::SeqCst)).unwrap()
    }

    pub async fn login(&self, username: &str) -> String {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": PASSWORD})),
                &[],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: login {username}: {}",
            self.backend,
            reply.body
        );
        reply.body["token"].as_str().unwrap().to_owned()
    }

    /// Creates `record`; answers its id.
    pub async fn create_record(&self, token: &str, record: Value) -> String {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/records",
                Some(token),
                Some(record),
                &[],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}: {}",
            self.backend,
            reply.body
        );
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates the documented example record; answers its id.
    pub async fn create(&self, token: &str, title: &str) -> String {
        self.create_record(token, example(title)).await
    }
}

/// A JSON request; `token` signs it, `headers` add to it.
fn request(
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    request.body(body).unwrap()
}

/// The TOTP code of the base32 `secret` at `at`, as an authenticator app shows it.
pub fn totp_code(secret: &str, at: Timestamp) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    totp.generate(u64::try_from(at.as_second()).unwrap())
        .to_string()
}

/// The record of the API contract.
pub fn example(title: &str) -> Value {
    json!({
        "kind": "report",
        "title": title,
        "narrative": "Met a woman at the bus station who said her passport was taken.",
        "label": "LE",
        "fields": {
            "victim_name": {"value": "Maria Doe", "label": "VICTIM_PII"},
            "city": {"value": "Houston"}
        },
        "source": {"channel": "api", "reliability": "B", "credibility": 2}
    })
}
