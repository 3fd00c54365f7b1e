//! The intake benchmark: how many records a second a node takes in durably, and what each layer
//! on top of the database costs.
//!
//! For every backend the run has (SQLite always, in a temporary folder; PostgreSQL when
//! `HUMDEX_TEST_POSTGRES_URL` is set, in a fresh schema) it runs three scenarios, each for the
//! same duration on a fresh database of its own:
//!
//! 1. **raw insert**, the peer: plain sqlx on one connection with the store's durability settings
//!    (SQLite in WAL mode with `synchronous=FULL`), inserting documents the size of the stored
//!    records into a table of its own, [`RAW_BATCH`] to a transaction, the size of batch the
//!    store's group commit forms under the HTTP load. What the database alone can do.
//! 2. **store**: `Store::create_record` from `C` concurrent tasks. Adds the writer's group commit,
//!    the record's indexes, its first version and its journal entry.
//! 3. **http**: the real server on a loopback socket, driven by `C` concurrent keep-alive clients
//!    that POST `/api/v1/records`. Adds hyper, axum, the session lookup, JSON and the dashboard
//!    projection tailing the journal.
//!
//! Only acknowledged records count, and every scenario asserts its result: every write
//! succeeded (every POST answered 201), and afterwards the database holds exactly the
//! acknowledged records (and, for the store, a journal entry for each). The request bodies come
//! from a seeded generator, so every run sends the same records.
//!
//! It measures sustained throughput under concurrency rather than the time of one call, so it
//! runs for a fixed time and prints its own table instead of using criterion. The clients run in
//! the same process, on the same cores, as the server: the HTTP figure includes the cost of the
//! load generator, as it would on a one-machine deployment tested from itself.
//!
//! ```text
//! cargo bench -p humdex --bench intake
//! HUMDEX_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p humdex --bench intake
//! ```
//!
//! `HUMDEX_BENCH_SECONDS` sets the duration of each scenario (default 5) and
//! `HUMDEX_BENCH_CLIENTS` the concurrency `C` (default 64).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use humdex_model::{Channel, NewRecord, Reader, RecordId, RecordView, Role, Seq, User};
use humdex_server::{AppState, Clock, Config};
use humdex_store::{Backend, NewUser, RecordFilter, Store};
use humdex_testkit::{POSTGRES_URL_VARIABLE, TestDatabase};
use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Connection, Executor};

/// Records per transaction in the raw scenario: the batch the store's writer forms under the HTTP
/// load with the default 64 clients. Not 64: the clients settle into two halves, one waiting in
/// the batch being committed while the other queues for the next, and a writer instrumented
/// with counters committed 31.6 writes per batch on average.
const RAW_BATCH: usize = 32;
/// Distinct request bodies; the clients cycle through them.
const PAYLOADS: usize = 1024;
/// Seeds the generator of request bodies.
const SEED: u64 = 0x6875_6d64_6578;
/// The user every request comes from, and their password.
const USERNAME: &str = "bench";
const PASSWORD: &str = "intake-bench-password";
/// What a node on the reference machine (2 cores, SQLite) must sustain over HTTP: this rate,
/// with 99 % of the requests answered within this time.
const TARGET_RECORDS_PER_SECOND: f64 = 2_000.0;
const TARGET_P99: Duration = Duration::from_millis(50);

fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let payloads = Arc::new(Payloads::generate(SEED, PAYLOADS)?);
    let mut backends = vec![Backend::Sqlite];
    if std::env::var_os(POSTGRES_URL_VARIABLE).is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let (raw, durability) = run_scenario(backend, async |database| {
            raw_insert(database, &payloads, &settings).await
        })?;
        let store = run_scenario(backend, async |database| {
            store_intake(database, &payloads, &settings).await
        })?;
        let http = run_scenario(backend, async |database| {
            http_intake(database, &payloads, &settings).await
        })?;
        print_table(
            backend,
            &durability,
            &settings,
            &payloads,
            [&raw, &store, &http],
        );
    }
    Ok(())
}

/// Runs `scenario` on a fresh database of `backend` and on a runtime of its own, so that nothing
/// it spawned (the server, the store's writer, the projection tailer) outlives it and takes CPU
/// from the next scenario.
fn run_scenario<T>(
    backend: Backend,
    scenario: impl AsyncFnOnce(&TestDatabase) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start a runtime")?;
    let database = runtime.block_on(fresh_database(backend))?;
    let outcome = runtime.block_on(scenario(&database));
    // The runtime goes first: shutting it down closes every connection its tasks hold, so the
    // database's drop (a DROP SCHEMA on PostgreSQL, which blocks its thread) never waits on a
    // lock held by a transaction that a task of this runtime, say the projection, left open.
    drop(runtime);
    drop(database);
    outcome
}

/// How long and how hard to push, from the environment.
struct Settings {
    duration: Duration,
    clients: usize,
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let seconds: f64 = variable("HUMDEX_BENCH_SECONDS")?.unwrap_or(5.0);
        let clients: usize = variable("HUMDEX_BENCH_CLIENTS")?.unwrap_or(64);
        ensure!(
            seconds > 0.0 && clients > 0,
            "HUMDEX_BENCH_SECONDS and HUMDEX_BENCH_CLIENTS must be positive"
        );
        Ok(Self {
            duration: Duration::from_secs_f64(seconds),
            clients,
        })
    }
}

fn variable<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>> {
    std::env::var(name)
        .ok()
        .map(|text| {
            text.parse()
                .map_err(|_| anyhow::anyhow!("{name}={text} is not a valid number"))
        })
        .transpose()
}

/// The wall clock; the bench is at the edge, where real time comes from.
fn now() -> Timestamp {
    #[expect(
        clippy::disallowed_methods,
        reason = "the bench is a program, the edge where real time is read"
    )]
    Timestamp::now()
}

/// The request bodies the clients send, and the documents the store makes of them.
struct Payloads {
    /// JSON bodies of POST /api/v1/records.
    bodies: Vec<String>,
    /// The same records as the store parses them.
    records: Vec<NewRecord>,
    /// The same records as the store keeps them (its `document` column), for the raw scenario.
    documents: Vec<String>,
}

impl Payloads {
    /// `count` records in the documented intake shape, with a narrative of 400 to 1,200 bytes.
    fn generate(seed: u64, count: usize) -> anyhow::Result<Self> {
        const FIRST_NAMES: &[&str] = &["Ana", "Maria", "Li", "Fatima", "Olga", "Rosa", "Mei"];
        const LAST_NAMES: &[&str] = &["Garcia", "Nguyen", "Petrova", "Okafor", "Silva", "Chen"];
        const CITIES: &[&str] = &["Houston", "El Paso", "Atlanta", "Newark", "Fresno", "Tulsa"];
        const WORDS: &str = "advertisement offered work abroad passport withheld debt recruiter \
            transport apartment shift wages never paid contact phone number vehicle seen night \
            club agency visa promised hotel moved between cities every week the a and was to by";
        let words = WORDS.split_whitespace().collect::<Vec<_>>();
        let mut rng = StdRng::seed_from_u64(seed);
        let bodies = (0..count)
            .map(|_| {
                let city = pick(&mut rng, CITIES);
                let first_name = pick(&mut rng, FIRST_NAMES);
                let victim_name = format!("{first_name} {}", pick(&mut rng, LAST_NAMES));
                let length = rng.random_range(400..1_200);
                let mut narrative = String::with_capacity(length + 16);
                while narrative.len() < length {
                    narrative.push_str(pick(&mut rng, &words));
                    narrative.push(' ');
                }
                json!({
                    "kind": "report",
                    "title": format!("Ad offering work abroad, seen in {city}"),
                    "narrative": narrative.trim_end(),
                    "label": "LE",
                    "fields": {
                        "victim_name": {"value": victim_name, "label": "VICTIM_PII"},
                        "city": {"value": city},
                    },
                    "source": {"channel": "api", "reliability": "B", "credibility": 2},
                })
                .to_string()
            })
            .collect::<Vec<_>>();
        let records = bodies
            .iter()
            .map(|body| serde_json::from_str::<NewRecord>(body))
            .collect::<Result<Vec<_>, _>>()
            .context("a generated body is not a valid record")?;
        // The origin is a node id of the store's own length, so documents weigh the same.
        let origin = format!("node-{}", uuid::Uuid::nil().simple());
        let documents = records
            .iter()
            .map(|record| {
                let at = now();
                let stored = record.clone().into_record(
                    RecordId::new(at),
                    &origin,
                    USERNAME,
                    at,
                    Channel::Api,
                );
                serde_json::to_string(&stored)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            bodies,
            records,
            documents,
        })
    }
}

/// One of `words`, chosen by `rng`.
fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words.choose(rng).copied().unwrap_or_default()
}

/// The mean length of `texts`, in bytes.
fn mean_len(texts: &[String]) -> usize {
    texts.iter().map(String::len).sum::<usize>() / texts.len().max(1)
}

/// A fresh, empty database on `backend`.
async fn fresh_database(backend: Backend) -> anyhow::Result<TestDatabase> {
    match backend {
        Backend::Sqlite => Ok(TestDatabase::sqlite()),
        Backend::Postgres => TestDatabase::postgres()
            .await
            .with_context(|| format!("{POSTGRES_URL_VARIABLE} is not set")),
    }
}

/// What a scenario measured.
struct Outcome {
    /// Acknowledged (durable) records.
    records: usize,
    /// From the first write to the last acknowledgement.
    elapsed: Duration,
    /// Per write for the store and HTTP, per transaction for the raw insert.
    latency: Latency,
}

impl Outcome {
    fn records_per_second(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }
}

/// Latency percentiles (nearest rank).
struct Latency {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> anyhow::Result<Self> {
        samples.sort_unstable();
        let rank = |quantile: f64| {
            let index = (quantile * samples.len() as f64).ceil() as usize;
            samples
                .get(index.saturating_sub(1))
                .copied()
                .context("no write completed")
        };
        Ok(Self {
            p50: rank(0.50)?,
            p99: rank(0.99)?,
            max: rank(1.0)?,
        })
    }
}

/// Scenario 1: plain sqlx inserts, `RAW_BATCH` to a transaction, on one connection. Answers
/// the database's durability settings too, as it reported them.
///
/// It goes through sqlx's `Any` driver like the store does, so the ratio to the store measures
/// the store's layers and not a difference between drivers.
async fn raw_insert(
    database: &TestDatabase,
    payloads: &Payloads,
    settings: &Settings,
) -> anyhow::Result<(Outcome, String)> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(&database.url)?;
    let mut connection = AnyConnection::connect(&database.url).await?;
    if backend == Backend::Sqlite {
        // The settings `humdex_store` gives its connections: each commit flushes the WAL.
        connection
            .execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .await?;
    }
    let durability = durability(backend, &mut connection).await?;
    connection
        .execute("CREATE TABLE bench_raw (id TEXT PRIMARY KEY, document TEXT NOT NULL)")
        .await?;

    let mut documents = payloads.documents.iter().cycle();
    let mut transactions = Vec::new();
    let mut inserted = 0;
    let started = Instant::now();
    let deadline = started + settings.duration;
    while Instant::now() < deadline {
        let began = Instant::now();
        let mut transaction = connection.begin().await?;
        for _ in 0..RAW_BATCH {
            let document = documents.next().context("no documents to insert")?;
            sqlx::query("INSERT INTO bench_raw (id, document) VALUES ($1, $2)")
                .bind(RecordId::new(now()).to_string())
                .bind(document.as_str())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        inserted += RAW_BATCH;
        transactions.push(began.elapsed());
    }
    let elapsed = started.elapsed();

    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bench_raw")
        .fetch_one(&mut connection)
        .await?;
    ensure!(
        usize::try_from(stored)? == inserted,
        "raw insert: {inserted} records committed but {stored} stored"
    );
    let outcome = Outcome {
        records: inserted,
        elapsed,
        latency: Latency::of(transactions)?,
    };
    Ok((outcome, durability))
}

/// The settings that decide when a commit is durable, checked rather than assumed.
async fn durability(backend: Backend, connection: &mut AnyConnection) -> anyhow::Result<String> {
    match backend {
        Backend::Sqlite => {
            let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut *connection)
                .await?;
            // `PRAGMA synchronous` answers a number; FULL is 2.
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *connection)
                .await?;
            ensure!(
                journal_mode == "wal" && synchronous == 2,
                "SQLite is not in WAL mode with synchronous=FULL"
            );
            Ok("journal_mode=WAL, synchronous=FULL".to_owned())
        }
        Backend::Postgres => {
            let fsync: String = sqlx::query_scalar("SHOW fsync")
                .fetch_one(&mut *connection)
                .await?;
            let synchronous_commit: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(&mut *connection)
                .await?;
            Ok(format!(
                "fsync={fsync}, synchronous_commit={synchronous_commit}"
            ))
        }
    }
}

/// What the clients of one scenario did.
struct Load {
    /// The ids of the acknowledged records.
    ids: Vec<RecordId>,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// Runs `settings.clients` tasks that each call `write` in a loop until the duration is over.
/// `write(n)` makes the write numbered `n` (the payload to send) and answers the new record's id.
async fn drive<W, F>(settings: &Settings, write: W) -> anyhow::Result<Load>
where
    W: Fn(usize) -> F + Clone + Send + 'static,
    F: Future<Output = anyhow::Result<RecordId>> + Send,
{
    let clients = settings.clients;
    let started = Instant::now();
    let deadline = started + settings.duration;
    let tasks = (0..clients)
        .map(|client| {
            let write = write.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut latencies = Vec::new();
                // Clients interleave through the payloads, so no two send the same one at once.
                let mut n = client;
                while Instant::now() < deadline {
                    let began = Instant::now();
                    ids.push(write(n).await?);
                    latencies.push(began.elapsed());
                    n += clients;
                }
                Ok::<_, anyhow::Error>((ids, latencies))
            })
        })
        .collect::<Vec<_>>();
    let mut load = Load {
        ids: Vec::new(),
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for finished in futures::future::join_all(tasks).await {
        let (ids, latencies) = finished??;
        load.ids.extend(ids);
        load.latencies.extend(latencies);
    }
    load.elapsed = started.elapsed();
    Ok(load)
}

/// Checks that the store holds exactly the acknowledged records, each with its journal entry.
async fn verify(store: &Store, journal_before: Seq, ids: &[RecordId]) -> anyhow::Result<()> {
    let acknowledged: HashSet<RecordId> = ids.iter().copied().collect();
    ensure!(
        acknowledged.len() == ids.len(),
        "the same id was acknowledged twice"
    );
    let journal_head = store.journal_head().await?;
    ensure!(
        usize::try_from(journal_head - journal_before)? == ids.len(),
        "{} records acknowledged but the journal grew by {}",
        ids.len(),
        journal_head - journal_before
    );
    // Sees every record the payloads write.
    let auditor = Reader::new(&User {
        username: USERNAME.parse().map_err(anyhow::Error::msg)?,
        role: Role::Analyst,
        authorizations: vec!["LE".to_owned(), "VICTIM_PII".to_owned()],
    });
    let mut stored = HashSet::new();
    let mut cursor = None;
    loop {
        let page = store
            .records(&auditor, &RecordFilter::default(), cursor, 500)
            .await?;
        stored.extend(page.records.iter().map(RecordView::id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    ensure!(
        stored == acknowledged,
        "{} records acknowledged, {} stored, {} of them acknowledged",
        acknowledged.len(),
        stored.len(),
        stored.intersection(&acknowledged).count()
    );
    Ok(())
}

/// Defines the authorizations the payloads' labels name; answers them, for the writer to hold.
async fn define_labels(store: &Store) -> anyhow::Result<Vec<String>> {
    let authorizations = ["LE", "VICTIM_PII"];
    for name in authorizations {
        store
            .define_authorization("admin", name, "benchmark", now())
            .await?;
    }
    Ok(authorizations.map(str::to_owned).to_vec())
}

/// Scenario 2: `Store::create_record` from `C` concurrent tasks.
async fn store_intake(
    database: &TestDatabase,
    payloads: &Arc<Payloads>,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let store = Store::open(&database.url).await?;
    let writer = Reader::new(&User {
        username: USERNAME.parse().map_err(anyhow::Error::msg)?,
        role: Role::Analyst,
        authorizations: define_labels(&store).await?,
    });
    let journal_before = store.journal_head().await?;
    let load = drive(settings, {
        let store = store.clone();
        let payloads = Arc::clone(payloads);
        move |n| {
            let (store, writer) = (store.clone(), writer.clone());
            let record = payloads.records.get(n % payloads.records.len()).cloned();
            async move {
                let record = record.context("no records to write")?;
                let created = store
                    .create_record(&writer, record, Channel::Api, None, now())
                    .await?;
                Ok(created.id)
            }
        }
    })
    .await?;
    verify(&store, journal_before, &load.ids).await?;
    Ok(Outcome {
        records: load.ids.len(),
        elapsed: load.elapsed,
        latency: Latency::of(load.latencies)?,
    })
}

/// Scenario 3: the server on a loopback socket, `C` keep-alive clients POSTing records.
async fn http_intake(
    database: &TestDatabase,
    payloads: &Arc<Payloads>,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let store = Store::open(&database.url).await?;
    let user = NewUser {
        username: USERNAME.parse().map_err(anyhow::Error::msg)?,
        role: Role::Analyst,
        password_hash: humdex_server::auth::hash_password(PASSWORD)?,
        authorizations: define_labels(&store).await?,
    };
    store.add_user("admin", user, now()).await?;
    let clock: Clock = Arc::new(now);
    let state = AppState::new(store.clone(), Config::default(), clock)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    // Ends when the scenario's runtime does.
    tokio::spawn(async move { axum::serve(listener, humdex_server::app(state)).await });

    // One client: its pool opens a keep-alive connection for each concurrent request, so the
    // server sees `C` connections. No proxy, whatever the environment says.
    let client = reqwest::Client::builder().no_proxy().build()?;
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": USERNAME, "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login
        .get("token")
        .and_then(Value::as_str)
        .context("the login answered no token")?
        .to_owned();

    let journal_before = store.journal_head().await?;
    let url = Arc::new(format!("{base}/api/v1/records"));
    let token = Arc::new(token);
    let load = drive(settings, {
        let payloads = Arc::clone(payloads);
        move |n| {
            let request = payloads
                .bodies
                .get(n % payloads.bodies.len())
                .cloned()
                .map(|body| {
                    client
                        .post(url.as_str())
                        .bearer_auth(token.as_str())
                        .header("content-type", "application/json")
                        .body(body)
                });
            async move {
                let response = request.context("no bodies to send")?.send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                if status != reqwest::StatusCode::CREATED {
                    bail!(
                        "POST /api/v1/records answered {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                let written: Value = serde_json::from_slice(&body)?;
                ensure!(
                    written.get("version") == Some(&json!(1)),
                    "a new record is not at version 1: {written}"
                );
                written
                    .get("id")
                    .and_then(Value::as_str)
                    .context("a 201 without an id")?
                    .parse()
                    .context("a 201 with a malformed id")
            }
        }
    })
    .await?;
    verify(&store, journal_before, &load.ids).await?;
    Ok(Outcome {
        records: load.ids.len(),
        elapsed: load.elapsed,
        latency: Latency::of(load.latencies)?,
    })
}

/// Prints the figures of one backend; `durability` is what its raw connection reported.
fn print_table(
    backend: Backend,
    durability: &str,
    settings: &Settings,
    payloads: &Payloads,
    [raw, store, http]: [&Outcome; 3],
) {
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let milliseconds = |duration: Duration| format!("{:.1}", duration.as_secs_f64() * 1e3);
    let raw_rate = raw.records_per_second();
    println!();
    println!(
        "intake on {name} ({}): {:.0} s per scenario, {} clients",
        durability,
        settings.duration.as_secs_f64(),
        settings.clients
    );
    println!(
        "request body {} B, stored document {} B (means); raw batch {RAW_BATCH} records per transaction",
        grouped(mean_len(&payloads.bodies) as f64),
        grouped(mean_len(&payloads.documents) as f64),
    );
    println!(
        "{:<12} {:>9} {:>11} {:>8} {:>8} {:>8} {:>7}",
        "scenario", "records", "records/s", "p50 ms", "p99 ms", "max ms", "÷ raw"
    );
    println!(
        "{:<12} {:>9} {:>11} {:>8} {:>8} {:>8} {:>7}",
        "raw insert",
        grouped(raw.records as f64),
        grouped(raw_rate),
        "-",
        "-",
        "-",
        "1.00"
    );
    for (scenario, outcome) in [("store", store), ("http", http)] {
        println!(
            "{:<12} {:>9} {:>11} {:>8} {:>8} {:>8} {:>7.2}",
            scenario,
            grouped(outcome.records as f64),
            grouped(outcome.records_per_second()),
            milliseconds(outcome.latency.p50),
            milliseconds(outcome.latency.p99),
            milliseconds(outcome.latency.max),
            outcome.records_per_second() / raw_rate,
        );
    }
    println!(
        "raw transaction of {RAW_BATCH} records: p50 {} ms, p99 {} ms, max {} ms",
        milliseconds(raw.latency.p50),
        milliseconds(raw.latency.p99),
        milliseconds(raw.latency.max),
    );
    println!(
        "store / raw = {:.3} (journal, versions, indexes, writer); http / raw = {:.3} (plus HTTP, sessions, JSON)",
        store.records_per_second() / raw_rate,
        http.records_per_second() / raw_rate,
    );
    if backend == Backend::Sqlite {
        let met =
            http.records_per_second() >= TARGET_RECORDS_PER_SECOND && http.latency.p99 < TARGET_P99;
        println!(
            "target (SQLite): ≥ {} records/s at p99 < {} ms: {} (http: {} records/s, p99 {} ms)",
            grouped(TARGET_RECORDS_PER_SECOND),
            TARGET_P99.as_millis(),
            if met { "met" } else { "NOT met" },
            grouped(http.records_per_second()),
            milliseconds(http.latency.p99),
        );
    }
}

/// `value` rounded, with thousands separated by commas: 12,345.
fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
