//! One benchmark run of Humdex over a JSONL corpus, single-threaded; `bench/ner.sh` compares it with spaCy.
//!
//! usage: `nerbench --mode ner|full IN.jsonl OUT.jsonl`
//!
//! IN has one document per line with "id" and "text". OUT gets one line per document,
//! `{"id", "spans": [[start, end, label], ...]}` in character offsets: spaCy's labels ("GPE") in `ner` mode
//! (tokenizer and NER alone), entity types ("location") in `full` mode (the whole `Analyzer`). Stdout gets one
//! stats line `{docs, words, cpu_s, wall_s, load_s, peak_rss_kb}`. Load time includes analysing one short text, so
//! that lazily built tables count as loading; CPU time covers the analysis only, not loading or I/O.

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::time::Instant;

use humdex_text::ner::{Ner, NerToken};
use humdex_text::tokenizer::Tokenizer;
use humdex_text::{Analyzer, Context};
use rustix::time::{ClockId, clock_gettime};
use serde::Deserialize;
use serde_json::json;

const USAGE: &str = "usage: nerbench --mode ner|full IN.jsonl OUT.jsonl";
const WARM_UP: &str = "Maria Lopez flew from Houston, TX to Dubai on March 3rd.";

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// A span in characters with its label.
type Span = (usize, usize, String);

#[derive(Deserialize)]
struct Doc {
    id: String,
    text: String,
}

enum Pipeline {
    Ner {
        tokenizer: Box<Tokenizer>,
        ner: Box<Ner>,
    },
    Full(Box<Analyzer>),
}

impl Pipeline {
    fn load(mode: &str) -> Result<Self> {
        match mode {
            "ner" => Ok(Self::Ner {
                tokenizer: Box::new(Tokenizer::english()?),
                ner: Box::new(Ner::load()?),
            }),
            "full" => Ok(Self::Full(Box::new(Analyzer::new()?))),
            other => Err(format!("unknown mode {other:?}; {USAGE}").into()),
        }
    }

    fn spans(&self, text: &str) -> Result<Vec<Span>> {
        match self {
            Self::Ner { tokenizer, ner } => {
                let tokens = tokenizer.tokenize(text);
                let ner_tokens = tokens
                    .iter()
                    .map(|t| {
                        let text = text.get(t.span.clone()).ok_or("token outside the text")?;
                        Ok(NerToken { text, norm: t.norm })
                    })
                    .collect::<Result<Vec<_>>>()?;
                // NER spans are token ranges: the first token's start and the last one's end, in characters.
                let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
                let to_char = |byte: usize| char_starts.partition_point(|&i| i < byte);
                ner.recognize(&ner_tokens)
                    .into_iter()
                    .map(|span| {
                        let first = tokens.get(span.tokens.start);
                        let last = span.tokens.end.checked_sub(1).and_then(|i| tokens.get(i));
                        let (first, last) = first.zip(last).ok_or("entity outside the tokens")?;
                        Ok((
                            to_char(first.span.start),
                            to_char(last.span.end),
                            span.label.as_str().to_owned(),
                        ))
                    })
                    .collect()
            }
            // The region `humdex serve` and `humdex extract` assume unless told otherwise.
            Self::Full(analyzer) => analyzer
                .analyze(
                    text,
                    &Context {
                        default_region: Some("US".to_owned()),
                        reference_date: None,
                    },
                )
                .entities
                .into_iter()
                .map(|e| {
                    let kind = serde_json::to_value(e.kind)?;
                    let kind = kind.as_str().ok_or("entity type is not a string")?;
                    Ok((e.start, e.end, kind.to_owned()))
                })
                .collect(),
        }
    }
}

/// CPU seconds of the whole process, all threads.
fn cpu_seconds() -> f64 {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// The process's peak resident set (Linux `VmHWM`), in kB; 0 where /proc is missing.
#[expect(
    clippy::disallowed_methods,
    reason = "the benchmark's edge: it measures this process"
)]
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[expect(
    clippy::disallowed_methods,
    reason = "the tool's edge: it reads and writes the files it is given"
)]
fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [flag, mode, input, output] = args.as_slice() else {
        return Err(USAGE.into());
    };
    if flag != "--mode" {
        return Err(USAGE.into());
    }
    let docs = BufReader::new(File::open(input)?)
        .lines()
        .map(|line| Ok(serde_json::from_str::<Doc>(&line?)?))
        .collect::<Result<Vec<_>>>()?;

    let started = Instant::now();
    let pipeline = Pipeline::load(mode)?;
    pipeline.spans(WARM_UP)?;
    let load_s = started.elapsed().as_secs_f64();

    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let predictions = docs
        .iter()
        .map(|d| pipeline.spans(&d.text))
        .collect::<Result<Vec<_>>>()?;
    let (cpu_s, wall_s) = (cpu_seconds() - cpu0, wall0.elapsed().as_secs_f64());

    let mut out = BufWriter::new(File::create(output)?);
    for (doc, spans) in docs.iter().zip(&predictions) {
        serde_json::to_writer(&mut out, &json!({"id": doc.id, "spans": spans}))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
    let stats = json!({"docs": docs.len(), "words": words, "cpu_s": cpu_s, "wall_s": wall_s, "load_s": load_s,
                       "peak_rss_kb": peak_rss_kb()});
    println!("{stats}");
    Ok(())
}
