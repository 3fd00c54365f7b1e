//! Percolator throughput on the synthetic corpus of `bench/percolator/gen.py`, the same data and
//! query semantics as the Lucene-Monitor-style Java baseline (`bench/percolator.sh` runs both).
//!
//! Environment: `PERCOLATOR_DATA` (the generated directory, default `target/percolator-data`
//! in the workspace), `PERCOLATOR_SIZES` (stored queries, default `10000,100000,1000000`),
//! `PERCOLATOR_DOCS` (measured documents, one value or one per size, default 5000) and
//! `PERCOLATOR_WARMUP` (documents percolated before measuring, default 1000). The measured
//! documents are the `PERCOLATOR_DOCS` lines after the warm-up ones, as in `Perc.java`.
//!
//! Prints a table, and one `RESULT` line per size for the script.

// Benchmark data is read here, at the edge, from files the script generated.
#![allow(clippy::disallowed_methods)]

use std::env;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use humdex_model::{Channel, Kind, RecordId, State};
use humdex_search::analyzer::{text_analyzer, tokens};
use humdex_search::percolator::{Percolator, Scratch, TermStatistics};
use humdex_search::{Query, TextField, View, ViewText};
use jiff::Timestamp;
use rustc_hash::FxHashMap;
use tantivy::tokenizer::TextAnalyzer;

/// Single subscriptions added to each full index, to time inserts one at a time.
const SINGLE_INSERTS: usize = 1000;

/// Document frequencies from `termfreq.tsv`, over the generated corpus.
struct Frequencies {
    views: u64,
    counts: FxHashMap<String, u64>,
}

impl TermStatistics for Frequencies {
    fn views(&self) -> u64 {
        self.views
    }

    fn doc_freq(&self, _field: TextField, term: &str) -> Option<u64> {
        // Absent means never seen, as the baseline counts it.
        Some(self.counts.get(term).copied().unwrap_or(0))
    }
}

fn main() -> Result<()> {
    let data = env::var_os("PERCOLATOR_DATA").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/percolator-data"
            ))
        },
        PathBuf::from,
    );
    let sizes = numbers("PERCOLATOR_SIZES", "10000,100000,1000000")?;
    let docs_per_size = numbers("PERCOLATOR_DOCS", "5000")?;
    let warmup = numbers("PERCOLATOR_WARMUP", "1000")?
        .first()
        .copied()
        .unwrap_or(0);
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let most_docs = docs_per_size.iter().copied().max().unwrap_or(0);

    let read = |name: &str| -> Result<String> {
        let path = data.join(name);
        fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (generate it with bench/percolator.sh)",
                path.display()
            )
        })
    };
    let frequencies = read("termfreq.tsv")?;
    let counts = frequencies
        .lines()
        .map(|line| {
            let (term, count) = line.split_once('\t').context("termfreq line")?;
            Ok((term.to_owned(), count.parse()?))
        })
        .collect::<Result<FxHashMap<String, u64>>>()?;
    let queries_text = read("queries.txt")?;
    let query_lines: Vec<&str> = queries_text
        .lines()
        .take(largest + SINGLE_INSERTS)
        .collect();
    if query_lines.len() < largest {
        bail!("{} holds fewer than {largest} queries", data.display());
    }
    let docs_text = read("docs.txt")?;
    let views: Vec<View> = docs_text
        .lines()
        .take(warmup + most_docs)
        .map(view)
        .collect();
    let stats = Frequencies {
        views: docs_text.lines().count() as u64,
        counts,
    };
    let mut analyzer = text_analyzer();
    eprintln!("data: {}", data.display());

    println!(
        "| stored | insert µs/query | compact ms | bytes/query | docs/s | p50 µs | p99 µs | matches | candidates/doc | single add mean µs | single add max µs |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, &size) in sizes.iter().enumerate() {
        let docs = docs_per_size
            .get(i)
            .or(docs_per_size.last())
            .copied()
            .unwrap_or(0);
        run(
            size,
            &query_lines,
            views.get(..warmup + docs).context("too few documents")?,
            warmup,
            &stats,
            &mut analyzer,
        )?;
    }
    Ok(())
}

fn run(
    size: usize,
    query_lines: &[&str],
    views: &[View],
    warmup: usize,
    stats: &Frequencies,
    analyzer: &mut TextAnalyzer,
) -> Result<()> {
    eprintln!("{size} queries: building");
    let mut percolator = Percolator::new();
    let mut inserting = Duration::ZERO;
    for (key, line) in query_lines.iter().take(size).enumerate() {
        let query = parse(line, analyzer).with_context(|| format!("query {line:?}"))?;
        let start = Instant::now();
        percolator
            .insert(key as u64, &query, stats)
            .with_context(|| format!("query {line:?}"))?;
        inserting += start.elapsed();
    }
    let start = Instant::now();
    percolator.compact();
    let compacting = start.elapsed();
    let bytes = percolator.memory_bytes() / percolator.len().max(1);

    eprintln!("{size} queries: percolating");
    let mut scratch = Scratch::new();
    let (warm, measured) = views.split_at(warmup.min(views.len()));
    for view in warm {
        percolator.percolate(view, &mut scratch);
    }
    let mut latencies = Vec::with_capacity(measured.len());
    let (mut matches, mut candidates) = (0usize, 0usize);
    let start = Instant::now();
    for view in measured {
        let begun = Instant::now();
        matches += percolator.percolate(view, &mut scratch).len();
        latencies.push(begun.elapsed());
        candidates += scratch.candidates();
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let quantile = |q: f64| {
        let at = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(at).copied().unwrap_or_default()
    };
    let docs = measured.len().max(1);
    let docs_per_s = measured.len() as f64 / elapsed.as_secs_f64();

    // Subscriptions added one at a time to the full index, as the server does.
    let mut single = Vec::with_capacity(SINGLE_INSERTS);
    for i in 0..SINGLE_INSERTS {
        let line = query_lines
            .get(size + i)
            .or(query_lines.get(i))
            .context("no query to add")?;
        let query = parse(line, analyzer)?;
        let start = Instant::now();
        percolator.insert((size + i) as u64, &query, stats)?;
        single.push(start.elapsed());
    }
    let single_mean = single.iter().sum::<Duration>() / SINGLE_INSERTS as u32;
    let single_max = single.iter().max().copied().unwrap_or_default();

    let micros = |duration: Duration| duration.as_secs_f64() * 1e6;
    println!(
        "| {size} | {:.2} | {:.0} | {bytes} | {docs_per_s:.0} | {:.0} | {:.0} | {matches} | {:.1} | {:.2} | {:.0} |",
        micros(inserting) / size as f64,
        compacting.as_secs_f64() * 1e3,
        micros(quantile(0.5)),
        micros(quantile(0.99)),
        candidates as f64 / docs as f64,
        micros(single_mean),
        micros(single_max),
    );
    println!(
        "RESULT stored={size} docs={} docs_per_s={docs_per_s:.1} total_matches={matches} cand_per_doc={:.1} p50_us={:.1} p99_us={:.1} insert_us={:.2} bytes_per_query={bytes} add_mean_us={:.2} add_max_us={:.1}",
        measured.len(),
        candidates as f64 / docs as f64,
        micros(quantile(0.5)),
        micros(quantile(0.99)),
        micros(inserting) / size as f64,
        micros(single_mean),
        micros(single_max),
    );
    Ok(())
}

fn numbers(name: &str, default: &str) -> Result<Vec<usize>> {
    let text = env::var(name).unwrap_or_else(|_| default.to_owned());
    text.split(',')
        .map(|number| {
            number
                .trim()
                .parse()
                .with_context(|| format!("{name}={text}"))
        })
        .collect()
}

/// A generated document: one narrative.
fn view(line: &str) -> View {
    let at = Timestamp::UNIX_EPOCH;
    View {
        record: RecordId::new(at),
        version: 1,
        labels: Vec::new(),
        excluded: Vec::new(),
        created_by: "bench".to_owned(),
        kind: Kind::Report,
        state: State::Intake,
        source: Channel::Import,
        received: at,
        texts: vec![ViewText {
            part: "narrative".to_owned(),
            text: line.to_owned(),
        }],
        entities: Vec::new(),
        points: Vec::new(),
    }
}

/// Whether a clause must, must not or may hold (Lucene's `+`, `-` and nothing).
#[derive(Clone, Copy, PartialEq)]
enum Occur {
    Must,
    MustNot,
    Should,
}

/// Parses the Lucene classic syntax `gen.py` writes: words, `"phrases"`, `+`/`-` clauses and
/// parenthesised groups, with Lucene's meaning (SHOULD clauses beside a MUST do not filter).
fn parse(line: &str, analyzer: &mut TextAnalyzer) -> Result<Query> {
    let mut rest = line.trim();
    let query = group(&mut rest, analyzer)?;
    if !rest.is_empty() {
        bail!("unexpected {rest:?}");
    }
    Ok(query)
}

/// Clauses up to a `)` or the end.
fn group(rest: &mut &str, analyzer: &mut TextAnalyzer) -> Result<Query> {
    let mut clauses = Vec::new();
    loop {
        *rest = rest.trim_start();
        let Some(first) = rest.chars().next() else {
            break;
        };
        if first == ')' {
            break;
        }
        let occur = match first {
            '+' => Occur::Must,
            '-' => Occur::MustNot,
            _ => Occur::Should,
        };
        if occur != Occur::Should {
            *rest = rest.get(1..).unwrap_or_default();
        }
        let query = if let Some(inner) = rest.strip_prefix('(') {
            *rest = inner;
            let query = group(rest, analyzer)?;
            *rest = rest.strip_prefix(')').context("missing )")?;
            query
        } else if let Some(inner) = rest.strip_prefix('"') {
            let (phrase, after) = inner.split_once('"').context("missing \"")?;
            *rest = after;
            let terms = phrase
                .split_whitespace()
                .map(|word| analyse(word, analyzer))
                .collect::<Result<Vec<_>>>()?;
            match <[String; 1]>::try_from(terms) {
                Ok([term]) => Query::Term {
                    field: TextField::Any,
                    term,
                },
                Err(terms) => Query::Phrase {
                    field: TextField::Any,
                    terms,
                },
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(rest.len());
            let (word, after) = rest.split_at(end);
            *rest = after;
            Query::Term {
                field: TextField::Any,
                term: analyse(word, analyzer)?,
            }
        };
        clauses.push((occur, query));
    }
    let mut musts = Vec::new();
    let mut shoulds = Vec::new();
    let mut nots = Vec::new();
    for (occur, query) in clauses {
        match occur {
            Occur::Must => musts.push(query),
            Occur::Should => shoulds.push(query),
            Occur::MustNot => nots.push(Query::Not(Box::new(query))),
        }
    }
    if musts.is_empty() && !shoulds.is_empty() {
        musts.push(if shoulds.len() == 1 {
            shoulds.remove(0)
        } else {
            Query::Or(shoulds)
        });
    }
    musts.extend(nots);
    Ok(if musts.len() == 1 {
        musts.remove(0)
    } else {
        Query::And(musts)
    })
}

/// The one token the text analyser makes of a generated word.
fn analyse(word: &str, analyzer: &mut TextAnalyzer) -> Result<String> {
    let mut made = tokens(analyzer, word).into_iter();
    match (made.next(), made.next()) {
        (Some(token), None) => Ok(token.text),
        _ => bail!("{word:?} is not one word"),
    }
}
