//! `humdex extract`: text analysis at the command line, colour-coded in the terminal or as JSON.

use std::borrow::Cow;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use humdex_text::indicators::Lexicon;
use humdex_text::{Analysis, Analyzer, Context};

/// How text is analysed, for `serve` and `extract` alike.
#[derive(Args)]
pub(crate) struct AnalysisArgs {
    /// The region (ISO 3166 alpha-2) of phone numbers written without a country code.
    #[arg(long, env = "HUMDEX_PHONE_REGION", default_value = "US")]
    pub(crate) phone_region: String,
    /// A trafficking-indicator lexicon (TOML) to add to the built-in one; its entries win over
    /// built-in entries for the same term.
    #[arg(long, env = "HUMDEX_INDICATORS", value_name = "FILE")]
    pub(crate) indicators: Option<PathBuf>,
}

impl AnalysisArgs {
    /// The region, checked.
    pub(crate) fn region(&self) -> anyhow::Result<String> {
        let region = self.phone_region.to_ascii_uppercase();
        anyhow::ensure!(
            region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()),
            "--phone-region takes a two-letter ISO 3166 code such as US or GB, not {:?}",
            self.phone_region
        );
        Ok(region)
    }

    /// The admin's lexicon file, read and checked here so that a mistake in it is reported
    /// before anything starts.
    pub(crate) fn lexicon_source(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.indicators else {
            return Ok(None);
        };
        let source = read(path)?;
        Lexicon::from_toml(&source)
            .with_context(|| format!("the indicator lexicon {} is invalid", path.display()))?;
        Ok(Some(source))
    }
}

/// Analyses FILE (standard input for `-` or none) and prints the result.
pub(crate) fn run(input: Option<&Path>, json: bool, args: &AnalysisArgs) -> anyhow::Result<()> {
    let text = match input {
        Some(path) if path != Path::new("-") => read(path)?,
        _ => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            utf8(bytes, "standard input")?
        }
    };
    let mut lexicon = Lexicon::builtin();
    if let Some(source) = args.lexicon_source()? {
        lexicon.extend(Lexicon::from_toml(&source)?)?;
    }
    let analyzer = Analyzer::with_lexicon(lexicon).context("cannot load the text analyser")?;
    let context = Context {
        default_region: Some(args.region()?),
        reference_date: None,
    };
    let analysis = analyzer.analyze(&text, &context);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &analysis)?;
        writeln!(out)?;
    } else {
        print_coloured(&mut out, &text, &analysis, std::io::stdout().is_terminal())?;
    }
    if let Some(truncation) = analysis.truncated {
        eprintln!(
            "Only the first {} of {} characters were analysed.",
            truncation.analyzed_chars, truncation.total_chars
        );
    }
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the command line is the edge where files are read"
    )]
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    utf8(bytes, &path.display().to_string())
}

fn utf8(bytes: Vec<u8>, name: &str) -> anyhow::Result<String> {
    String::from_utf8(bytes).map_err(|error| {
        anyhow::anyhow!(
            "{name} is not UTF-8 text (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        )
    })
}

/// The text with each entity on its type's colour, then the entities and indicators listed.
/// Colours only on a terminal: piped output gets the text and the lists plain.
fn print_coloured(
    out: &mut impl Write,
    text: &str,
    analysis: &Analysis,
    colours: bool,
) -> anyhow::Result<()> {
    let mut at = 0;
    for entity in &analysis.entities {
        let before = text.get(at..entity.bytes.start).unwrap_or_default();
        write!(out, "{}", printable(before))?;
        let written = printable(text.get(entity.bytes.clone()).unwrap_or_default());
        if colours {
            let [r, g, b] = entity.kind.colour();
            write!(
                out,
                "\x1b[48;2;{r};{g};{b}m\x1b[38;2;17;17;17m{written}\x1b[0m"
            )?;
        } else {
            write!(out, "[{written}]")?;
        }
        at = entity.bytes.end;
    }
    writeln!(out, "{}", printable(text.get(at..).unwrap_or_default()))?;
    writeln!(out)?;
    for entity in &analysis.entities {
        let normalized = serde_json::to_string(&entity.normalized)?;
        writeln!(
            out,
            "{:>13}  {}  → {normalized}  ({}, {:.2})",
            entity.kind.as_str(),
            printable(&entity.text),
            entity.source,
            entity.confidence
        )?;
    }
    let indicators = &analysis.indicators;
    if !indicators.hits.is_empty() {
        writeln!(out, "\nIndicator score {:.2}:", indicators.score)?;
        for hit in &indicators.hits {
            writeln!(
                out,
                "  {:<24} {:<22} {:.2}  {}",
                printable(&hit.text),
                hit.category,
                hit.weight,
                hit.reason
            )?;
        }
    }
    Ok(())
}

/// The text with control characters shown as symbols, so that text under analysis cannot send
/// escape sequences to the analyst's terminal.
fn printable(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match u32::from(c) {
                0x0a | 0x09 => c,
                code @ 0..=0x1f => char::from_u32(0x2400 + code).unwrap_or('\u{fffd}'),
                0x7f => '\u{2421}',
                _ if c.is_control() => '\u{fffd}',
                _ => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_in_the_text_reach_the_terminal_as_symbols() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(printable("\x1b[2Jgone\u{9b}"), "\u{241b}[2Jgone\u{fffd}");
    }
}
