//! PDF: the text of every page, and the title, author, date and page count the file gives.

use humdex_model::Channel;
use jiff::Timestamp;
use lopdf::{DecompressError, Dictionary, Document, LoadOptions};

use crate::document::{Fields, Report, single};
use crate::guard::guarded;
use crate::{Context, Extracted, File, ReadError};

/// The text and metadata of the PDF in `file`.
pub(crate) fn read(context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let report = guarded("PDF", || report(context, &file.bytes))??;
    Ok(vec![single(report, Channel::Import, file)])
}

fn report(context: &Context<'_>, bytes: &[u8]) -> Result<Report, ReadError> {
    let limits = &context.options.limits;
    let max_expanded = usize::try_from(limits.max_expanded_bytes).unwrap_or(usize::MAX);
    // Loading expands object and cross-reference streams; each is bounded here.
    let options = LoadOptions {
        max_decompressed_size: Some(max_expanded),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(bytes, options).map_err(pdf_error)?;
    // lopdf opens what the empty password opens; a file it could not decrypt is still marked.
    if document.is_encrypted() && !document.was_encrypted() {
        return Err(ReadError::malformed(
            "PDF",
            "it is encrypted with a password",
        ));
    }
    let pages = document.get_pages();
    if pages.len() > limits.max_pages as usize {
        return Err(ReadError::Limit(format!(
            "the PDF has {} pages; the limit is {}",
            pages.len(),
            limits.max_pages
        )));
    }
    // Page content streams share one budget of expanded bytes.
    let mut budget = max_expanded;
    let mut text = String::new();
    for (&number, &page) in &pages {
        context.deadline.check()?;
        let content = document
            .get_page_content_with_limit(page, budget)
            .map_err(pdf_error)?;
        let limit = budget;
        budget = budget
            .checked_sub(content.len())
            .ok_or_else(|| pdf_error(DecompressError::MemoryLimitExceeded { limit }.into()))?;
        if number > 1 {
            text.push_str(&format!("\n--- page {number} ---\n"));
        }
        for chunk in document.extract_text_chunks_with_limit(&[number], limit) {
            match chunk {
                Ok(chunk) => text.push_str(&chunk),
                Err(
                    error @ lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded {
                        ..
                    }),
                ) => {
                    return Err(pdf_error(error));
                }
                // Text in a font whose encoding cannot be read is lost; the rest is kept.
                Err(_) => {}
            }
        }
    }
    let mut fields = Fields::default();
    fields.number("pages", pages.len() as f64);
    let info = info(&document);
    let text_entry = |key: &[u8]| {
        info.and_then(|info| info.get(key).ok())
            .and_then(|value| lopdf::decode_text_string(value).ok())
    };
    if let Some(author) = text_entry(b"Author") {
        fields.text("author", &author);
    }
    Ok(Report {
        title: text_entry(b"Title").unwrap_or_default(),
        text: text.trim_end().to_owned(),
        fields,
        created: text_entry(b"CreationDate").as_deref().and_then(pdf_date),
    })
}

/// The document information dictionary (title, author, dates), if the file has one.
fn info(document: &Document) -> Option<&Dictionary> {
    let info = document.trailer.get(b"Info").ok()?;
    let (_, info) = document.dereference(info).ok()?;
    info.as_dict().ok()
}

/// A PDF date, `D:YYYYMMDDHHmmSSOHH'mm'`, of which everything after the year may be missing; a
/// missing offset is taken as UTC.
fn pdf_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, zone) = text.split_at(digits);
    // What a date without month, day, hour, minute or second stands for.
    const DEFAULTS: &str = "0101000000";
    let padding = DEFAULTS.get(digits.len().checked_sub(4)?..)?;
    if digits.len() % 2 != 0 {
        return None;
    }
    let mut offset: String = zone.chars().filter(|&c| c != '\'').collect();
    if offset.is_empty() || offset.starts_with('Z') {
        offset = "+0000".to_owned();
    } else if offset.len() == 3 {
        offset.push_str("00");
    }
    jiff::fmt::strtime::parse("%Y%m%d%H%M%S%z", format!("{digits}{padding}{offset}"))
        .ok()?
        .to_timestamp()
        .ok()
}

fn pdf_error(error: lopdf::Error) -> ReadError {
    match error {
        lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { limit }) => {
            ReadError::Limit(format!(
                "the PDF's streams expand past the limit of {limit} bytes"
            ))
        }
        other => ReadError::malformed("PDF", other),
    }
}

#[cfg(test)]
mod tests {
    use lopdf::content::{Content, Operation};
    use lopdf::{Object, Stream, dictionary};

    use super::*;
    use crate::document::tests::read_one;
    use crate::{Limits, Options};

    /// A PDF with a page per text (lines shown one under the other), in Helvetica.
    fn pdf(pages: &[&str], info: Option<Dictionary>) -> Document {
        let mut document = Document::with_version("1.5");
        let pages_id = document.new_object_id();
        let font = document.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let resources = document.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
        let mut kids: Vec<Object> = Vec::new();
        for text in pages {
            let mut operations = vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 12.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
            ];
            for (index, line) in text.lines().enumerate() {
                if index > 0 {
                    operations.push(Operation::new("T*", vec![]));
                }
                operations.push(Operation::new("Tj", vec![Object::string_literal(line)]));
            }
            operations.push(Operation::new("ET", vec![]));
            let content = Content { operations }.encode().unwrap();
            let content = document.add_object(Stream::new(dictionary! {}, content));
            kids.push(
                document
                    .add_object(dictionary! {
                        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                    })
                    .into(),
            );
        }
        let count = kids.len() as i64;
        document.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        document.trailer.set("Root", catalog);
        if let Some(info) = info {
            let info = document.add_object(info);
            document.trailer.set("Info", info);
        }
        document.compress();
        document
    }

    fn bytes(mut document: Document) -> Vec<u8> {
        let mut bytes = Vec::new();
        document.save_to(&mut bytes).unwrap();
        bytes
    }

    fn read_pdf(bytes: Vec<u8>, limits: Limits) -> Result<Extracted, ReadError> {
        read_one("scan.pdf", bytes, limits)
    }

    #[test]
    fn reads_every_page_and_the_information_dictionary() {
        let info = dictionary! {
            "Title" => Object::string_literal("Case 4471"),
            "Author" => Object::String(
                b"\xFE\xFF\x00J\x00o\x00s\x00\xE9".to_vec(),
                lopdf::StringFormat::Hexadecimal,
            ),
            "CreationDate" => Object::string_literal("D:20240305102030+01'00'"),
        };
        let bytes = bytes(pdf(
            &["Witness statement\nsecond line", "Page two text"],
            Some(info),
        ));
        let record = read_pdf(bytes, Limits::default()).unwrap().record;
        assert_eq!(
            record.narrative,
            "Witness statement\nsecond line\n\n--- page 2 ---\nPage two text"
        );
        assert_eq!(record.title, "Case 4471");
        assert_eq!(
            record.created,
            Some("2024-03-05T09:20:30Z".parse().unwrap())
        );
        let field = |name: &str| {
            record.fields[&humdex_model::FieldName::new(name).unwrap()]
                .value
                .clone()
        };
        assert_eq!(
            field("author"),
            humdex_model::FieldValue::Text("José".into())
        );
        assert_eq!(field("pages"), humdex_model::FieldValue::Number(2.0));
    }

    #[test]
    fn without_a_title_the_file_name_is_the_title() {
        let record = read_pdf(bytes(pdf(&["x"], None)), Limits::default())
            .unwrap()
            .record;
        assert_eq!(record.title, "scan.pdf");
        assert_eq!(record.created, None);
    }

    #[test]
    fn too_many_pages_are_refused() {
        let limits = Limits {
            max_pages: 2,
            ..Limits::default()
        };
        let bytes = bytes(pdf(&["1", "2", "3"], None));
        assert_eq!(
            read_pdf(bytes, limits).unwrap_err(),
            ReadError::Limit("the PDF has 3 pages; the limit is 2".into())
        );
    }

    #[test]
    fn streams_that_expand_past_the_limit_are_refused() {
        let text = "All work and no play. ".repeat(2000);
        let limits = Limits {
            max_expanded_bytes: 20_000,
            ..Limits::default()
        };
        // One page under the limit reads; three of them together do not.
        read_pdf(bytes(pdf(&[&text[..15_000]], None)), limits.clone()).unwrap();
        let bytes = bytes(pdf(
            &[&text[..15_000], &text[..15_000], &text[..15_000]],
            None,
        ));
        let error = read_pdf(bytes, limits).unwrap_err();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("expand past")),
            "{error:?}"
        );
    }

    #[test]
    fn time_runs_out_between_pages() {
        let limits = Limits {
            timeout: std::time::Duration::ZERO,
            ..Limits::default()
        };
        let file = File {
            name: "a.pdf".to_owned(),
            media_type: String::new(),
            bytes: bytes(pdf(&["1"], None)),
        };
        let context = Context {
            options: &Options {
                limits,
                ..Options::default()
            },
            deadline: crate::Deadline(std::time::Instant::now()),
            depth: 0,
        };
        assert_eq!(
            read(&context, &file).unwrap_err(),
            ReadError::Limit("the file took too long to read".into())
        );
    }

    #[test]
    fn a_password_protected_pdf_is_refused_clearly() {
        let mut document = pdf(&["secret"], None);
        document.trailer.set(
            "ID",
            vec![
                Object::string_literal("0123456789abcdef"),
                Object::string_literal("0123456789abcdef"),
            ],
        );
        let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
            document: &document,
            owner_password: "owner",
            user_password: "user",
            key_length: 128,
            permissions: lopdf::Permissions::all(),
        })
        .unwrap();
        document.encrypt(&state).unwrap();
        assert_eq!(
            read_pdf(bytes(document), Limits::default()).unwrap_err(),
            ReadError::malformed("PDF", "it is encrypted with a password")
        );
    }

    #[test]
    fn damage_is_malformed() {
        let mut damaged = bytes(pdf(&["x"], None));
        damaged.truncate(damaged.len() / 2);
        damaged.extend_from_slice(b"garbage");
        for bytes in [b"%PDF-1.4 nothing else".to_vec(), damaged] {
            let error = read_pdf(bytes, Limits::default()).unwrap_err();
            assert!(
                matches!(error, ReadError::Malformed { format: "PDF", .. }),
                "{error:?}"
            );
        }
    }

    #[test]
    fn pdf_dates() {
        let date = |text| pdf_date(text).map(|t| t.to_string());
        assert_eq!(
            date("D:20240305102030Z").as_deref(),
            Some("2024-03-05T10:20:30Z")
        );
        assert_eq!(
            date("D:20240305102030-05'00'").as_deref(),
            Some("2024-03-05T15:20:30Z")
        );
        assert_eq!(date("D:2024").as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(date("20240305").as_deref(), Some("2024-03-05T00:00:00Z"));
        for bad in ["", "D:", "D:202", "D:2024130", "D:20241332", "yesterday"] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }
}
