//! Word documents and plain text, and the report record every document reader (email, PDF, Word,
//! text) yields: a title, the text as its narrative, and fields for what the file says about
//! itself.

use std::collections::BTreeMap;

use humdex_model::{Channel, Field, FieldName, FieldValue, Kind, NewRecord, Source};
use jiff::Timestamp;
use jiff::civil::Date;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::archive::Archive;
use crate::text::{MAX_TITLE, clip};
use crate::{Context, Extracted, File, ReadError};

/// The longest narrative a record may hold (`NewRecord::validate`).
const MAX_NARRATIVE: usize = 1024 * 1024;
/// What ends a narrative cut to fit.
const TRUNCATED: &str = "\n[text truncated]";
/// A plain-text file's title is its first line, if a line that short.
const MAX_TEXT_TITLE_CHARS: usize = 200;
/// The longest text and list a field may hold (`Field::validate`).
const MAX_FIELD_TEXT: usize = 64 * 1024;
const MAX_LIST_ITEMS: usize = 1000;

/// The fields a reader found, kept within what a record may hold.
#[derive(Debug, Default)]
pub(crate) struct Fields(BTreeMap<FieldName, Field>);

impl Fields {
    /// Sets text field `name`, unless `value` is blank.
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if !value.is_empty() {
            self.set(
                name,
                FieldValue::Text(clip(value, MAX_FIELD_TEXT).to_owned()),
            );
        }
    }

    /// Sets list field `name` to the values that are not blank, if any.
    pub(crate) fn list(&mut self, name: &str, values: impl IntoIterator<Item = String>) {
        let items: Vec<FieldValue> = values
            .into_iter()
            .filter(|value| !value.trim().is_empty())
            .take(MAX_LIST_ITEMS)
            .map(|value| FieldValue::Text(clip(value.trim(), MAX_FIELD_TEXT).to_owned()))
            .collect();
        if !items.is_empty() {
            self.set(name, FieldValue::List(items));
        }
    }

    /// Sets number field `name`.
    pub(crate) fn number(&mut self, name: &str, value: f64) {
        self.set(name, FieldValue::Number(value));
    }

    /// Sets date field `name`.
    pub(crate) fn date(&mut self, name: &str, value: Date) {
        self.set(name, FieldValue::Date(value));
    }

    fn set(&mut self, name: &str, value: FieldValue) {
        // Readers pass constant names that follow the rule; one that does not is dropped.
        if let Ok(name) = FieldName::new(name) {
            self.0.insert(name, Field { value, label: None });
        }
    }
}

/// What a document says about itself, and its text.
#[derive(Debug)]
pub(crate) struct Report {
    /// The document's own title, if it has one (blank and overlong titles are handled).
    pub(crate) title: String,
    /// Its text.
    pub(crate) text: String,
    /// Its metadata.
    pub(crate) fields: Fields,
    /// When it was written, if it says.
    pub(crate) created: Option<Timestamp>,
}

impl Report {
    /// The report record, arrived on `channel`, of a document in the file named `file_name`
    /// (its title when it has none).
    pub(crate) fn into_record(self, channel: Channel, file_name: &str) -> NewRecord {
        NewRecord {
            kind: Kind::Report,
            title: title(&self.title, file_name),
            narrative: narrative(self.text),
            label: None,
            label_pointer: false,
            point_of_contact: None,
            fields: self.fields.0,
            source: Some(Source::unjudged(channel)),
            created: self.created,
            priority: Default::default(),
            due: None,
            assignee: None,
        }
    }
}

/// `text` cut to fit a narrative, saying so when cut.
fn narrative(mut text: String) -> String {
    if text.len() > MAX_NARRATIVE {
        text.truncate(clip(&text, MAX_NARRATIVE - TRUNCATED.len()).len());
        text.push_str(TRUNCATED);
    }
    text
}

/// A one-line title: `candidate`, else the file name, else a word that says there was none.
fn title(candidate: &str, file_name: &str) -> String {
    let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut title = one_line(candidate);
    if title.is_empty() {
        title = one_line(file_name);
    }
    if title.is_empty() {
        title = "untitled".to_owned();
    }
    clip(&title, MAX_TITLE).to_owned()
}

/// A plain-text file: its text, titled by its first line.
pub(crate) fn read_text(_context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let text = String::from_utf8_lossy(&file.bytes).into_owned();
    let first_line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let title = if first_line.chars().count() <= MAX_TEXT_TITLE_CHARS {
        first_line.to_owned()
    } else {
        String::new()
    };
    let report = Report {
        title,
        text,
        fields: Fields::default(),
        created: None,
    };
    Ok(vec![single(report, Channel::Import, file)])
}

/// The one record a single-document file yields, with the file attached.
pub(crate) fn single(report: Report, channel: Channel, file: &File) -> Extracted {
    Extracted {
        record: report.into_record(channel, &file.name),
        attachments: vec![file.clone()],
    }
}

/// A Word (Office Open XML) document: its paragraphs and tables, and its title, author and date.
pub(crate) fn read(context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let mut archive = Archive::open(&file.bytes, &context.options.limits)?;
    let body = archive
        .read("word/document.xml")?
        .ok_or_else(|| ReadError::malformed("DOCX", "it has no word/document.xml"))?;
    let mut report = Report {
        title: String::new(),
        text: body_text(&body, context)?,
        fields: Fields::default(),
        created: None,
    };
    if let Some(core) = archive.read("docProps/core.xml")? {
        core_properties(&core, &mut report)?;
    }
    if let Some(app) = archive.read("docProps/app.xml")? {
        let pages = element_texts(&app, &["Pages"])?.pop().flatten();
        if let Some(pages) = pages.and_then(|pages| pages.trim().parse::<u32>().ok()) {
            report.fields.number("pages", pages.into());
        }
    }
    Ok(vec![single(report, Channel::Import, file)])
}

/// One open element of a Word body that collects text.
enum Frame {
    Paragraph(String),
    Row(Vec<String>),
    Cell(String),
}

/// The text of `word/document.xml`: a line per paragraph, a line per table row with its cells
/// separated by tabs.
fn body_text(xml: &[u8], context: &Context<'_>) -> Result<String, ReadError> {
    let mut reader = Reader::from_reader(xml);
    let mut lines: Vec<String> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut in_text = false;
    loop {
        let event = reader.read_event().map_err(malformed_xml)?;
        match event {
            Event::Start(element) => match element.local_name().as_ref() {
                "p" => {
                    // Paragraphs are the unit of work a hostile file can multiply.
                    context.deadline.check()?;
                    frames.push(Frame::Paragraph(String::new()));
                }
                "tr" => frames.push(Frame::Row(Vec::new())),
                "tc" => frames.push(Frame::Cell(String::new())),
                "t" => in_text = true,
                _ => {}
            },
            Event::Empty(element) => match element.local_name().as_ref() {
                "p" => close(Frame::Paragraph(String::new()), &mut frames, &mut lines),
                "tc" => close(Frame::Cell(String::new()), &mut frames, &mut lines),
                "tab" => push_text(&mut frames, "\t"),
                "br" | "cr" => push_text(&mut frames, "\n"),
                _ => {}
            },
            Event::End(element) => match element.local_name().as_ref() {
                "p" | "tr" | "tc" => {
                    if let Some(frame) = frames.pop() {
                        close(frame, &mut frames, &mut lines);
                    }
                }
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(text) if in_text => push_text(&mut frames, &text.xml10_content()),
            Event::CData(text) if in_text => push_text(&mut frames, &text.xml10_content()),
            Event::GeneralRef(reference) if in_text => {
                let resolved = match reference.resolve_char_ref().map_err(malformed_xml)? {
                    Some(character) => character.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&reference)
                        .unwrap_or_default()
                        .to_owned(),
                };
                push_text(&mut frames, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // A document cut short leaves frames open; what they hold is still its text.
    while let Some(frame) = frames.pop() {
        close(frame, &mut frames, &mut lines);
    }
    Ok(lines.join("\n").trim_end().to_owned())
}

fn push_text(frames: &mut [Frame], text: &str) {
    if let Some(Frame::Paragraph(paragraph)) = frames.last_mut() {
        paragraph.push_str(text);
    }
}

/// Hands the text of a closed `frame` to the frame around it, or to the document's lines.
fn close(frame: Frame, frames: &mut [Frame], lines: &mut Vec<String>) {
    let text = match frame {
        Frame::Paragraph(text) | Frame::Cell(text) => text,
        Frame::Row(cells) => cells.join("\t"),
    };
    match frames.last_mut() {
        Some(Frame::Row(cells)) => cells.push(text),
        // A cell's paragraphs, a text box's inside a paragraph, a nested table's rows: one line.
        Some(Frame::Paragraph(outer) | Frame::Cell(outer)) => {
            if !outer.is_empty() && !text.is_empty() {
                outer.push(' ');
            }
            outer.push_str(&text);
        }
        None => lines.push(text),
    }
}

/// Title, author and creation date from `docProps/core.xml`.
fn core_properties(xml: &[u8], report: &mut Report) -> Result<(), ReadError> {
    let values = element_texts(xml, &["title", "creator", "created"])?;
    let [title, creator, created] = values.as_slice() else {
        return Ok(());
    };
    if let Some(title) = title {
        report.title.clone_from(title);
    }
    if let Some(creator) = creator {
        report.fields.text("author", creator);
    }
    report.created = created
        .as_deref()
        .and_then(|created| created.trim().parse::<Timestamp>().ok());
    Ok(())
}

/// The text of the first element with each of `names` (local names), if there is one.
fn element_texts(xml: &[u8], names: &[&str]) -> Result<Vec<Option<String>>, ReadError> {
    let mut found: Vec<Option<String>> = vec![None; names.len()];
    let mut reader = Reader::from_reader(xml);
    let mut current: Option<usize> = None;
    loop {
        match reader.read_event().map_err(malformed_xml)? {
            Event::Start(element) => {
                current = names
                    .iter()
                    .position(|name| *name == element.local_name().as_ref());
            }
            Event::Text(text) => {
                if let Some(slot) = current.and_then(|index| found.get_mut(index)) {
                    slot.get_or_insert_default().push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = quick_xml::escape::resolve_predefined_entity(&reference);
                if let Some(slot) = current.and_then(|index| found.get_mut(index)) {
                    slot.get_or_insert_default()
                        .push_str(resolved.unwrap_or_default());
                }
            }
            Event::End(_) => current = None,
            Event::Eof => return Ok(found),
            _ => {}
        }
    }
}

fn malformed_xml(error: impl ToString) -> ReadError {
    ReadError::malformed("DOCX", error)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::archive::tests::zip_of;
    use crate::{Limits, Options, read};

    /// A Word file whose body holds `body`, with `parts` besides.
    pub(crate) fn docx(body: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        );
        let mut members: Vec<(&str, &[u8])> = vec![("word/document.xml", document.as_bytes())];
        members.extend_from_slice(parts);
        zip_of(&members)
    }

    fn core_xml(properties: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{properties}</cp:coreProperties>"#
        )
    }

    /// Reads the single-record file `name` holding `bytes`: its one record validates and has the
    /// file attached.
    pub(crate) fn read_one(
        name: &str,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<Extracted, ReadError> {
        let file = File {
            name: name.to_owned(),
            media_type: String::new(),
            bytes,
        };
        let options = Options {
            limits,
            ..Options::default()
        };
        let mut records = read(&file, &options)?;
        assert_eq!(records.len(), 1);
        let extracted = records.remove(0);
        extracted.record.validate().unwrap();
        assert_eq!(extracted.attachments, [file]);
        Ok(extracted)
    }

    #[test]
    fn docx_paragraphs_tables_and_properties() {
        let body = r#"<w:p><w:r><w:t>Shift at the</w:t></w:r><w:r><w:t xml:space="preserve"> K&amp;L motel</w:t></w:r></w:p>
<w:p/>
<w:p><w:r><w:t>Name</w:t><w:tab/><w:t>Age</w:t><w:br/><w:t>second line</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Ana</w:t></w:r></w:p><w:p><w:r><w:t>(alias)</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>17</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>&#8364;40</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:delText>deleted</w:delText><w:t>End.</w:t></w:r></w:p>"#;
        let core = r#"<dc:title>Interview   notes</dc:title><dc:creator>Det. Ruiz</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2024-03-05T10:20:30Z</dcterms:created>"#;
        let core = core_xml(core);
        let bytes = docx(body, &[("docProps/core.xml", core.as_bytes())]);
        let extracted = read_one("notes.docx", bytes, Limits::default()).unwrap();
        let record = extracted.record;
        assert_eq!(
            record.narrative,
            "Shift at the K&L motel\n\nName\tAge\nsecond line\nAna (alias)\t17\n\t€40\nEnd."
        );
        assert_eq!(record.title, "Interview notes");
        assert_eq!(record.kind, Kind::Report);
        assert_eq!(record.source, Some(Source::unjudged(Channel::Import)));
        assert_eq!(
            record.created,
            Some("2024-03-05T10:20:30Z".parse().unwrap())
        );
        assert_eq!(
            record.fields[&FieldName::new("author").unwrap()].value,
            FieldValue::Text("Det. Ruiz".into())
        );
    }

    #[test]
    fn docx_without_properties_is_titled_by_its_name_and_counts_pages() {
        let app = b"<Properties><Pages>3</Pages></Properties>";
        let bytes = docx(
            "<w:p><w:r><w:t>x</w:t></w:r></w:p>",
            &[("docProps/app.xml", app)],
        );
        let record = read_one("report.docx", bytes, Limits::default())
            .unwrap()
            .record;
        assert_eq!(record.title, "report.docx");
        assert_eq!(record.created, None);
        assert_eq!(
            record.fields[&FieldName::new("pages").unwrap()].value,
            FieldValue::Number(3.0)
        );
    }

    #[test]
    fn docx_over_the_expansion_limit_is_refused() {
        let paragraph = "<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>";
        let bytes = docx(&paragraph.repeat(2000), &[]);
        let limits = Limits {
            max_expanded_bytes: 64 * 1024,
            ..Limits::default()
        };
        let error = read_one("big.docx", bytes, limits).unwrap_err();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("declares")),
            "{error:?}"
        );
    }

    #[test]
    fn docx_damage_is_malformed() {
        let no_body = zip_of(&[("word/other.xml", b"<x/>"), ("[Content_Types].xml", b"")]);
        let error = read_one("a.docx", no_body, Limits::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read DOCX: it has no word/document.xml"
        );
        let bad_xml = docx("<w:p><w:r><w:t>x</w:r></w:p>", &[]);
        assert!(matches!(
            read_one("a.docx", bad_xml, Limits::default()),
            Err(ReadError::Malformed { format: "DOCX", .. })
        ));
    }

    #[test]
    fn text_is_titled_by_its_first_line() {
        let record = read_one(
            "tip.txt",
            b"\n\n  Car seen at pier 4  \nred sedan\n".to_vec(),
            Limits::default(),
        )
        .unwrap()
        .record;
        assert_eq!(record.title, "Car seen at pier 4");
        assert_eq!(record.narrative, "\n\n  Car seen at pier 4  \nred sedan\n");
        let long_line = "word ".repeat(50);
        let record = read_one("tip.txt", long_line.into_bytes(), Limits::default())
            .unwrap()
            .record;
        assert_eq!(record.title, "tip.txt");
    }

    #[test]
    fn long_text_is_truncated_with_a_note() {
        let text = "é".repeat(MAX_NARRATIVE);
        let record = read_one("long.txt", text.into_bytes(), Limits::default())
            .unwrap()
            .record;
        assert!(record.narrative.len() <= MAX_NARRATIVE);
        assert!(record.narrative.ends_with("é\n[text truncated]"));
    }

    #[test]
    fn titles_are_one_line_within_bounds() {
        assert_eq!(title(" a\n b ", "f"), "a b");
        assert_eq!(title(" \n", " "), "untitled");
        let long = title(&"ü".repeat(400), "f");
        assert_eq!(long.len(), 500);
        assert!(long.chars().all(|c| c == 'ü'));
    }
}
