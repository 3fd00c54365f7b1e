//! Two-hop neighbourhood bench: Humdex's in-memory graph against SQLite answering the same
//! question with a recursive CTE, on one seeded synthetic graph, in one run.
//!
//! The graph is built through the public API from synthetic records of 2–4 mentions each, until
//! it has the links asked for. Every entity is mentioned at least once; the other mentions are
//! drawn with a power law (entity `⌊n·u^2.5⌋`), so a few hubs gather tens of thousands of
//! links, as a city or a hotel switchboard does in real reports. One record in five carries one
//! of four labels; the caller sees two of them.
//!
//! Each engine answers the two-hop neighbourhood of the same seeded starts (entities the caller
//! may see), one query at a time on one thread:
//!
//! * Humdex: [`Graph::neighbourhood`] with depth 2 and a limit of 5000 nodes: the ordered chart
//!   with every visible link among its nodes, their weights and evidence, and the exact counts
//!   of what the limit left out;
//! * SQLite (through sqlx, WAL, a temporary file): `links(a, label, b)` with both directions of
//!   each link under each label it has, the primary key as its index, and a recursive CTE
//!   returning the set of nodes within two hops over links whose label is visible. It answers
//!   less than Humdex does (no links, weights, order or counts).
//!
//! On a sample of starts the two node sets are compared (Humdex without a limit) and must be
//! equal.
//!
//! Environment: `HUMDEX_BENCH_ENTITIES` (default 1000000), `HUMDEX_BENCH_LINKS` (default
//! 5000000), `HUMDEX_BENCH_STARTS` (default 1000), `HUMDEX_BENCH_CHECKS` (starts whose node sets
//! are compared, default 20), `HUMDEX_BENCH_TMP` (where SQLite's file goes, default the system's
//! temporary directory).

// The bench indexes its own tables (ids, kinds) with numbers drawn below their lengths.
#![expect(
    clippy::indexing_slicing,
    reason = "indexes drawn below the tables' lengths"
)]

use std::collections::BTreeSet;
use std::env;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use humdex_graph::{EntityInput, Graph, LabelId, MentionInput, NodeKind, Visibility};
use humdex_model::{EntityKind, RecordId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite};

const SEED: u64 = 0x4855_4d44_4558_4752;
/// The power of the entity draw: larger makes the hubs bigger.
const SKEW: f64 = 2.5;
/// The neighbourhood's node limit: large enough that most answers are whole.
const LIMIT: usize = 5000;
/// Labels 1..=4 exist; the caller sees these.
const SEEN_LABELS: [u32; 2] = [1, 2];
const LABELS: u32 = 4;
/// Rows per insert into SQLite (three variables each, under SQLite's 32766).
const PEER_BATCH: usize = 10_000;

fn setting(name: &str, default: u64) -> Result<u64> {
    match env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .with_context(|| format!("{name}={value:?}")),
        Err(_) => Ok(default),
    }
}

/// An entity's id: 64 hex digits, like the store's SHA-256 ids.
fn entity_id(entity: u32) -> String {
    let mut state = u64::from(entity).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ SEED;
    let mut id = String::with_capacity(64);
    for _ in 0..4 {
        state = splitmix(state);
        id.push_str(&format!("{state:016x}"));
    }
    id
}

fn splitmix(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn record_id(record: u64) -> Result<RecordId> {
    Ok(RecordId::from_str(&format!(
        "00000000-0000-7000-8000-{record:012x}"
    ))?)
}

const KINDS: [EntityKind; 4] = [
    EntityKind::Person,
    EntityKind::Phone,
    EntityKind::Location,
    EntityKind::Organization,
];

/// The synthetic records: each a label and 2–4 entities.
struct Records {
    labels: Vec<u32>,
    /// Entities of record `r`: `mentions[ends[r]..ends[r + 1]]`.
    mentions: Vec<u32>,
    ends: Vec<usize>,
}

impl Records {
    fn get(&self, record: usize) -> (u32, &[u32]) {
        let start = self.ends.get(record).copied().unwrap_or(0);
        let end = self.ends.get(record + 1).copied().unwrap_or(start);
        (
            self.labels.get(record).copied().unwrap_or(0),
            self.mentions.get(start..end).unwrap_or(&[]),
        )
    }

    fn len(&self) -> usize {
        self.labels.len()
    }
}

struct Built {
    graph: Graph,
    records: Records,
    seconds: f64,
}

/// Builds the graph record by record until it has `links` links.
fn build(entities: u32, links: u64, ids: &[String]) -> Result<Built> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut graph = Graph::new();
    let labels: Vec<LabelId> = (0..=LABELS)
        .map(|label| {
            if label == 0 {
                LabelId::PUBLIC
            } else {
                graph.label(&format!("L{label}"))
            }
        })
        .collect();
    let mut records = Records {
        labels: Vec::new(),
        mentions: Vec::new(),
        ends: vec![0],
    };
    let mut next_unmentioned = 0u32;
    let started = Instant::now();
    let mut reported = Instant::now();
    loop {
        let have = graph.stats().links as u64;
        if have >= links {
            break;
        }
        // About 3.3 links per record: check the count again once the gap should have closed.
        let batch = ((links - have) * 3 / 10).clamp(1_000, 200_000);
        for _ in 0..batch {
            let count = rng.random_range(2..=4);
            let mut chosen: Vec<u32> = Vec::with_capacity(count);
            if next_unmentioned < entities {
                chosen.push(next_unmentioned);
                next_unmentioned += 1;
            }
            while chosen.len() < count {
                let drawn = ((f64::from(entities) * rng.random::<f64>().powf(SKEW)) as u32)
                    .min(entities - 1);
                if !chosen.contains(&drawn) {
                    chosen.push(drawn);
                }
            }
            let label = if rng.random_bool(0.8) {
                0
            } else {
                rng.random_range(1..=LABELS)
            };
            let label_id = labels.get(label as usize).copied().context("label")?;
            let mentions = chosen
                .iter()
                .map(|&entity| {
                    let id = ids.get(entity as usize).context("entity id")?.clone();
                    Ok(MentionInput {
                        entity: EntityInput {
                            id,
                            kind: NodeKind::Entity(KINDS[entity as usize % KINDS.len()]),
                            name: format!("entity {entity}"),
                        },
                        label: label_id,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            graph.set_record(record_id(records.len() as u64)?, mentions, Vec::new());
            records.labels.push(label);
            records.mentions.extend(&chosen);
            records.ends.push(records.mentions.len());
        }
        if reported.elapsed() > Duration::from_secs(10) {
            eprintln!("  {} records, {have} links…", records.len());
            reported = Instant::now();
        }
    }
    ensure!(
        next_unmentioned == entities,
        "too few links for every entity to be mentioned: raise HUMDEX_BENCH_LINKS"
    );
    Ok(Built {
        graph,
        records,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The process's resident memory, from Linux's /proc.
#[expect(
    clippy::disallowed_methods,
    reason = "a bench reads its own memory use at the edge"
)]
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

async fn sqlite_load(
    records: &Records,
    path: &std::path::Path,
) -> Result<(SqliteConnection, f64, u64)> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        // A page cache and mmap large enough to answer from memory, as Humdex does.
        .pragma("cache_size", "-2000000")
        .pragma("mmap_size", "17179869184");
    let mut connection = SqliteConnection::connect_with(&options).await?;
    sqlx::query(
        "CREATE TABLE links(a INTEGER NOT NULL, label INTEGER NOT NULL, b INTEGER NOT NULL, \
         PRIMARY KEY (a, label, b)) WITHOUT ROWID",
    )
    .execute(&mut connection)
    .await?;
    let started = Instant::now();
    // Both directions of every (pair, label), sorted so the B-tree is filled in order.
    let mut rows: Vec<(u32, u32, u32)> = Vec::new();
    for record in 0..records.len() {
        let (label, entities) = records.get(record);
        for (position, &a) in entities.iter().enumerate() {
            for &b in entities.iter().skip(position + 1) {
                rows.push((a, label, b));
                rows.push((b, label, a));
            }
        }
    }
    rows.sort_unstable();
    rows.dedup();
    let mut transaction = connection.begin().await?;
    for batch in rows.chunks(PEER_BATCH) {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO links(a, label, b) ");
        insert.push_values(batch, |mut values, &(a, label, b)| {
            values
                .push_bind(i64::from(a))
                .push_bind(i64::from(label))
                .push_bind(i64::from(b));
        });
        insert.build().execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await?;
    sqlx::query("ANALYZE").execute(&mut connection).await?;
    Ok((
        connection,
        started.elapsed().as_secs_f64(),
        rows.len() as u64,
    ))
}

async fn sqlite_two_hop(connection: &mut SqliteConnection, start: u32) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE reach(node, depth) AS ( \
           SELECT ?1, 0 \
           UNION \
           SELECT l.b, r.depth + 1 FROM reach AS r JOIN links AS l ON l.a = r.node \
           WHERE r.depth < 2 AND l.label IN (0, ?2, ?3) \
         ) SELECT DISTINCT node FROM reach",
    )
    .bind(i64::from(start))
    .bind(i64::from(SEEN_LABELS[0]))
    .bind(i64::from(SEEN_LABELS[1]))
    .fetch_all(&mut *connection)
    .await?)
}

struct Summary {
    p50: f64,
    p99: f64,
    mean: f64,
    /// Share of queries answered within 10 ms.
    within_10_ms: f64,
}

fn summarize(mut milliseconds: Vec<f64>) -> Summary {
    milliseconds.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank =
            ((q * milliseconds.len() as f64).ceil() as usize).clamp(1, milliseconds.len().max(1));
        milliseconds.get(rank - 1).copied().unwrap_or(f64::NAN)
    };
    Summary {
        p50: at(0.5),
        p99: at(0.99),
        mean: milliseconds.iter().sum::<f64>() / milliseconds.len().max(1) as f64,
        within_10_ms: milliseconds.iter().filter(|&&ms| ms <= 10.0).count() as f64
            / milliseconds.len().max(1) as f64,
    }
}

fn main() -> Result<()> {
    let entities = u32::try_from(setting("HUMDEX_BENCH_ENTITIES", 1_000_000)?)?;
    let links = setting("HUMDEX_BENCH_LINKS", 5_000_000)?;
    let starts_wanted = setting("HUMDEX_BENCH_STARTS", 1000)? as usize;
    let checks = setting("HUMDEX_BENCH_CHECKS", 20)? as usize;
    let tmp = env::var_os("HUMDEX_BENCH_TMP").map_or_else(env::temp_dir, Into::into);
    if entities < 2 {
        bail!("HUMDEX_BENCH_ENTITIES must be at least 2");
    }

    eprintln!("building a graph of {entities} entities and {links} links…");
    let ids: Vec<String> = (0..entities).map(entity_id).collect();
    let resident_before = resident_bytes();
    let Built {
        graph,
        records,
        seconds: build_seconds,
    } = build(entities, links, &ids)?;
    let resident_after = resident_bytes();
    let stats = graph.stats();
    let visibility =
        graph.visibility(|label| SEEN_LABELS.iter().any(|seen| label == format!("L{seen}")));

    // Seeded starts the caller may see.
    let mut rng = StdRng::seed_from_u64(SEED ^ 1);
    let mut starts: Vec<u32> = Vec::with_capacity(starts_wanted);
    while starts.len() < starts_wanted {
        let entity = rng.random_range(0..entities);
        if graph.node(&ids[entity as usize]).is_some()
            && graph.entity(&visibility, &ids[entity as usize]).is_some()
        {
            starts.push(entity);
        }
    }

    eprintln!("humdex: {} two-hop neighbourhoods…", starts.len());
    let mut humdex_ms = Vec::with_capacity(starts.len());
    let mut reached = Vec::with_capacity(starts.len());
    let mut whole = 0;
    for &start in &starts {
        let began = Instant::now();
        let chart = graph
            .neighbourhood(&visibility, &ids[start as usize], 2, LIMIT)
            .context("a visible start")?;
        humdex_ms.push(began.elapsed().as_secs_f64() * 1e3);
        reached.push(chart.nodes.len() as u64 + chart.nodes_left_out);
        whole += usize::from(chart.nodes_left_out == 0);
    }

    let directory = tempfile::Builder::new()
        .prefix("humdex-two-hop")
        .tempdir_in(&tmp)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (sqlite_ms, sqlite_seconds, sqlite_rows, mismatches) = runtime.block_on(async {
        eprintln!("sqlite: loading…");
        let (mut connection, seconds, rows) =
            sqlite_load(&records, &directory.path().join("links.db")).await?;
        eprintln!("sqlite: {} two-hop neighbourhoods…", starts.len());
        let mut times = Vec::with_capacity(starts.len());
        for &start in &starts {
            let began = Instant::now();
            let nodes = sqlite_two_hop(&mut connection, start).await?;
            times.push(began.elapsed().as_secs_f64() * 1e3);
            ensure!(!nodes.is_empty(), "sqlite found no start node");
        }
        let mut mismatches = 0;
        for &start in starts.iter().take(checks) {
            let expected: BTreeSet<String> = sqlite_two_hop(&mut connection, start)
                .await?
                .into_iter()
                .map(|node| ids[node as usize].clone())
                .collect();
            let chart = graph
                .neighbourhood(&visibility, &ids[start as usize], 2, usize::MAX)
                .context("a visible start")?;
            let found: BTreeSet<String> = chart.nodes.into_iter().map(|node| node.id).collect();
            if found != expected {
                eprintln!(
                    "start {start}: humdex {} nodes, sqlite {}",
                    found.len(),
                    expected.len()
                );
                mismatches += 1;
            }
        }
        anyhow::Ok((times, seconds, rows, mismatches))
    })?;
    ensure!(mismatches == 0, "{mismatches} of {checks} node sets differ");

    let humdex = summarize(humdex_ms);
    let sqlite = summarize(sqlite_ms);
    let mut sizes = reached.clone();
    sizes.sort_unstable();
    let biggest_hub = (0..entities.min(1000))
        .filter_map(|entity| graph.neighbourhood(&Visibility::all(), &ids[entity as usize], 1, 0))
        // Limit 0: everything is left out, the start included.
        .map(|chart| chart.nodes_left_out.saturating_sub(1))
        .max()
        .unwrap_or(0);

    println!();
    println!(
        "graph: {} nodes, {} links, {} pieces of evidence, {} records; biggest hub {} neighbours",
        stats.nodes, stats.links, stats.evidence, stats.records, biggest_hub
    );
    println!(
        "build: humdex {build_seconds:.1} s (set_record calls); sqlite {sqlite_seconds:.1} s ({sqlite_rows} rows, sorted inserts)"
    );
    println!(
        "memory: humdex graph ≈ {:.0} MB by its own count ({:.0} bytes/link); process resident grew {} while building (records kept for the peer included)",
        stats.heap_bytes as f64 / 1e6,
        stats.heap_bytes as f64 / stats.links.max(1) as f64,
        match (resident_before, resident_after) {
            (Some(before), Some(after)) =>
                format!("{:.0} MB", after.saturating_sub(before) as f64 / 1e6),
            _ => "(unknown)".to_owned(),
        }
    );
    println!(
        "two-hop neighbourhoods from {} starts (limit {LIMIT}): nodes reached p50 {}, p99 {}, max {}; {whole} whole, {} with nodes left out; node sets equal on {checks} starts",
        starts.len(),
        sizes.get(sizes.len() / 2).copied().unwrap_or(0),
        sizes
            .get((sizes.len() * 99).div_ceil(100).saturating_sub(1))
            .copied()
            .unwrap_or(0),
        sizes.last().copied().unwrap_or(0),
        starts.len() - whole,
    );
    println!();
    println!("| engine | p50 ms | p99 ms | mean ms | mean vs Humdex | within 10 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (engine, summary) in [
        ("humdex (chart, limit 5000)", &humdex),
        ("sqlite recursive CTE (node set)", &sqlite),
    ] {
        println!(
            "| {engine} | {:.3} | {:.3} | {:.3} | {:.1}× | {:.1} % |",
            summary.p50,
            summary.p99,
            summary.mean,
            summary.mean / humdex.mean,
            summary.within_10_ms * 100.0
        );
    }
    Ok(())
}
