//! Email messages and mailboxes. A message is one report: its headers as fields and at the top of
//! its text, its body, and the text of every attachment we can read (a message attached to a
//! message brings its own attachments along).

use humdex_model::Channel;
use jiff::Timestamp;
use jiff::civil::Date;
use mail_parser::{Address, MessageParser, MessagePart, MimeHeaders};

use crate::document::{Fields, Report};
use crate::guard::guarded;
use crate::{Context, Extracted, File, Format, ReadError, detect};

/// One message (`.eml`).
pub(crate) fn read_message(
    context: &Context<'_>,
    file: &File,
) -> Result<Vec<Extracted>, ReadError> {
    Ok(vec![message(context, file)?])
}

/// A Unix mailbox: one record per message, each with its message attached as `message-N.eml`.
pub(crate) fn read_mbox(context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let max_messages = context.options.limits.max_rows;
    let messages = split_mbox(&file.bytes);
    let mut extracted = Vec::new();
    for (index, bytes) in messages.enumerate() {
        if index as u64 >= max_messages {
            return Err(ReadError::Limit(format!(
                "the mailbox holds more than {max_messages} messages"
            )));
        }
        context.deadline.check()?;
        let number = index + 1;
        let file = File {
            name: format!("message-{number}.eml"),
            media_type: Format::Email.media_type().to_owned(),
            bytes,
        };
        let record = message(context, &file).map_err(|error| match error {
            ReadError::Malformed { format, reason } => ReadError::Malformed {
                format,
                reason: format!("message {number}: {reason}"),
            },
            other => other,
        })?;
        extracted.push(record);
    }
    Ok(extracted)
}

/// The messages of a mailbox: each starts at a separator line (see [`is_separator`]) at the start
/// of the file or after a blank line, which is not part of the message; `>From ` lines in bodies
/// lose one `>`.
fn split_mbox(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> {
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut after_blank = true;
    for line in bytes.split_inclusive(|&byte| byte == b'\n') {
        if after_blank && is_separator(line) {
            messages.push(Vec::new());
        } else if let Some(message) = messages.last_mut() {
            let quoted = line
                .iter()
                .position(|&byte| byte != b'>')
                .filter(|&quotes| {
                    quotes > 0
                        && line
                            .get(quotes..)
                            .is_some_and(|rest| rest.starts_with(b"From "))
                });
            message.extend_from_slice(line.get(usize::from(quoted.is_some())..).unwrap_or(line));
        }
        after_blank = matches!(line, b"\n" | b"\r\n");
    }
    messages.into_iter().filter_map(|mut message| {
        // The blank line before the next `From ` belongs to the mailbox, not to the message.
        for ending in [&b"\r\n"[..], b"\n"] {
            if message.ends_with(ending) {
                message.truncate(message.len() - ending.len());
                break;
            }
        }
        (!message.iter().all(u8::is_ascii_whitespace)).then_some(message)
    })
}

/// Whether `line` opens a message: `From `, the sender and the time it arrived, as in
/// `From ana@example.org Tue Mar  5 10:20:30 2024`. The time tells it from a body line that a
/// careless writer left unquoted.
fn is_separator(line: &[u8]) -> bool {
    line.starts_with(b"From ")
        && line.windows(5).any(|window| {
            matches!(window, [h1, h2, b':', m1, m2]
                if [h1, h2, m1, m2].iter().all(|digit| digit.is_ascii_digit()))
        })
}

/// The record of the message in `file`, with `file` and the message's attachments attached.
fn message(context: &Context<'_>, file: &File) -> Result<Extracted, ReadError> {
    let parsed = guarded("email", || MessageParser::default().parse(&file.bytes))?
        .ok_or_else(|| ReadError::malformed("email", "it holds no message"))?;
    let mut fields = Fields::default();
    let mut text = String::new();
    for (name, header, address) in [
        ("from", "From", parsed.from()),
        ("to", "To", parsed.to()),
        ("cc", "Cc", parsed.cc()),
    ] {
        let addresses = address.map(addresses).unwrap_or_default();
        if !addresses.is_empty() {
            text.push_str(&format!("{header}: {}\n", addresses.join(", ")));
        }
        fields.list(name, addresses);
    }
    let date = parsed.date();
    if let Some(date) = date {
        text.push_str(&format!("Date: {}\n", date.to_rfc3339()));
        let sent = i8::try_from(date.month)
            .ok()
            .zip(i8::try_from(date.day).ok())
            .and_then(|(month, day)| Date::new(i16::try_from(date.year).ok()?, month, day).ok());
        if let Some(sent) = sent {
            fields.date("sent", sent);
        }
    }
    let subject = parsed.subject().unwrap_or_default();
    if !subject.trim().is_empty() {
        text.push_str(&format!("Subject: {subject}\n"));
    }
    fields.text("subject", subject);
    fields.text("message_id", parsed.message_id().unwrap_or_default());
    for index in 0..parsed.text_body_count() {
        // Plain text where the message has it; its HTML converted to text where it has not.
        if let Some(body) = parsed.body_text(index) {
            text.push('\n');
            text.push_str(body.trim_end());
            text.push('\n');
        }
    }
    let mut attachments = vec![file.clone()];
    for (index, part) in parsed.attachments().enumerate() {
        context.deadline.check()?;
        let attachment = attachment_file(part, index + 1);
        text.push_str(&format!("\n--- attachment: {} ---\n", attachment.name));
        match context.nested().read(&attachment) {
            Ok(records) => {
                for record in records {
                    if !record.record.narrative.is_empty() {
                        text.push_str(record.record.narrative.trim_end());
                        text.push('\n');
                    }
                    attachments.extend(
                        record
                            .attachments
                            .into_iter()
                            .filter(|nested| *nested != attachment),
                    );
                }
            }
            // A picture or an archive has no text we read; the file is attached all the same.
            Err(ReadError::Unsupported(_)) => {}
            Err(error @ ReadError::Malformed { .. }) => {
                text.push_str(&format!("[not read: {error}]\n"));
            }
            // Limits protect the server: a file that breaks one anywhere is refused whole.
            Err(error @ ReadError::Limit(_)) => return Err(error),
        }
        attachments.push(attachment);
    }
    let report = Report {
        title: subject.to_owned(),
        text,
        fields,
        created: date.and_then(|date| Timestamp::from_second(date.to_timestamp()).ok()),
    };
    Ok(Extracted {
        record: report.into_record(Channel::Email, &file.name),
        attachments,
    })
}

/// `Name <address>` for each mailbox of an address header (groups flattened).
fn addresses(address: &Address<'_>) -> Vec<String> {
    address
        .iter()
        .map(|mailbox| match (mailbox.name(), mailbox.address()) {
            (Some(name), Some(address)) => format!("{name} <{address}>"),
            (Some(only), None) | (None, Some(only)) => only.to_owned(),
            (None, None) => String::new(),
        })
        .collect()
}

/// An attachment as a file: its own name (or one that says what it is), its media type as its
/// content shows, and its decoded content.
fn attachment_file(part: &MessagePart<'_>, number: usize) -> File {
    let bytes = part.contents().to_vec();
    let declared_type = part.content_type().map(|content_type| {
        let subtype = content_type.subtype().unwrap_or_default();
        format!("{}/{subtype}", content_type.ctype()).to_ascii_lowercase()
    });
    let name = match part.attachment_name() {
        Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
        _ => {
            // A name that lets detection tell a nameless message or text from binary data.
            let extension = if part.is_message() {
                ".eml"
            } else if declared_type.as_deref() == Some("text/plain") {
                ".txt"
            } else {
                ""
            };
            format!("attachment-{number}{extension}")
        }
    };
    let media_type = detect(&name, &bytes)
        .map(|format| format.media_type().to_owned())
        .or(declared_type)
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    File {
        name,
        media_type,
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::prelude::{BASE64_STANDARD, Engine as _};
    use humdex_model::{FieldName, FieldValue, Kind, Source};

    use super::*;
    use crate::{Limits, Options, read};

    fn options(limits: Limits) -> Options {
        Options {
            limits,
            ..Options::default()
        }
    }

    fn file(name: &str, bytes: impl Into<Vec<u8>>) -> File {
        File {
            name: name.to_owned(),
            media_type: String::new(),
            bytes: bytes.into(),
        }
    }

    fn field(extracted: &Extracted, name: &str) -> FieldValue {
        extracted.record.fields[&FieldName::new(name).unwrap()]
            .value
            .clone()
    }

    fn texts(values: &[&str]) -> FieldValue {
        FieldValue::List(
            values
                .iter()
                .map(|v| FieldValue::Text((*v).into()))
                .collect(),
        )
    }

    fn read_ok(file: &File, limits: Limits) -> Vec<Extracted> {
        let records = read(file, &options(limits)).unwrap();
        for extracted in &records {
            extracted.record.validate().unwrap();
        }
        records
    }

    /// A multipart message with `attachments` (name, content type, base64 content) after a
    /// plain-text body.
    fn multipart(subject: &str, body: &str, attachments: &[(&str, &str, &[u8])]) -> String {
        let mut message = format!(
            "From: Ana Ruiz <ana@example.org>\r\nTo: tips@example.org, Bo <bo@example.org>\r\n\
             Cc: cc@example.org\r\nSubject: {subject}\r\nDate: Tue, 5 Mar 2024 10:20:30 +0100\r\n\
             Message-ID: <m1@example.org>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
             --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        );
        for (name, content_type, content) in attachments {
            message.push_str(&format!(
                "--b1\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment; \
                 filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                BASE64_STANDARD.encode(content)
            ));
        }
        message.push_str("--b1--\r\n");
        message
    }

    #[test]
    fn headers_become_fields_and_the_body_the_narrative() {
        let eml = multipart("Girl at the motel", "She said she is 15.", &[]);
        let records = read_ok(&file("tip.eml", eml.clone()), Limits::default());
        let [extracted] = records.as_slice() else {
            panic!("{records:?}")
        };
        let record = &extracted.record;
        assert_eq!(record.kind, Kind::Report);
        assert_eq!(record.source, Some(Source::unjudged(Channel::Email)));
        assert_eq!(record.title, "Girl at the motel");
        assert_eq!(
            record.created,
            Some("2024-03-05T09:20:30Z".parse().unwrap())
        );
        assert_eq!(
            field(extracted, "from"),
            texts(&["Ana Ruiz <ana@example.org>"])
        );
        assert_eq!(
            field(extracted, "to"),
            texts(&["tips@example.org", "Bo <bo@example.org>"])
        );
        assert_eq!(field(extracted, "cc"), texts(&["cc@example.org"]));
        assert_eq!(
            field(extracted, "sent"),
            FieldValue::Date(jiff::civil::date(2024, 3, 5))
        );
        assert_eq!(
            field(extracted, "message_id"),
            FieldValue::Text("m1@example.org".into())
        );
        assert_eq!(
            record.narrative,
            "From: Ana Ruiz <ana@example.org>\nTo: tips@example.org, Bo <bo@example.org>\n\
             Cc: cc@example.org\nDate: 2024-03-05T10:20:30+01:00\nSubject: Girl at the motel\n\
             \nShe said she is 15.\n"
        );
        assert_eq!(extracted.attachments, [file("tip.eml", eml)]);
    }

    #[test]
    fn html_only_mail_is_read_as_text_and_untitled_mail_by_its_name() {
        let eml = "From: a@example.org\r\nContent-Type: text/html\r\n\r\n\
                   <html><body><p>Meet at <b>dock 9</b></p></body></html>\r\n";
        let records = read_ok(&file("x.eml", eml), Limits::default());
        let record = &records[0].record;
        assert_eq!(record.title, "x.eml");
        assert!(record.narrative.contains("Meet at dock 9"), "{record:?}");
        assert!(!record.narrative.contains("<b>"), "{record:?}");
    }

    #[test]
    fn attachments_are_attached_and_their_text_appended() {
        let docx = crate::document::tests::docx(
            "<w:p><w:r><w:t>Ledger of payments</w:t></w:r></w:p>",
            &[],
        );
        let eml = multipart(
            "Files",
            "See attached.",
            &[
                ("notes.txt", "text/plain", b"Plate KXL 448"),
                ("ledger.docx", "application/octet-stream", &docx),
                ("photo.bin", "application/octet-stream", &[0, 1, 2, 255]),
                ("broken.pdf", "application/pdf", b"%PDF-1.4 nothing else"),
            ],
        );
        let records = read_ok(&file("files.eml", eml), Limits::default());
        let extracted = &records[0];
        let narrative = &extracted.record.narrative;
        assert!(
            narrative.contains("--- attachment: notes.txt ---\nPlate KXL 448\n"),
            "{narrative}"
        );
        assert!(
            narrative.contains("--- attachment: ledger.docx ---\nLedger of payments\n"),
            "{narrative}"
        );
        assert!(
            narrative.contains("--- attachment: photo.bin ---\n"),
            "{narrative}"
        );
        assert!(
            narrative.contains("--- attachment: broken.pdf ---\n[not read: cannot read PDF"),
            "{narrative}"
        );
        let attached: Vec<(&str, &str)> = extracted
            .attachments
            .iter()
            .map(|file| (file.name.as_str(), file.media_type.as_str()))
            .collect();
        assert_eq!(
            attached,
            [
                ("files.eml", ""),
                ("notes.txt", "text/plain"),
                ("ledger.docx", Format::Docx.media_type()),
                ("photo.bin", "application/octet-stream"),
                ("broken.pdf", "application/pdf"),
            ]
        );
        assert_eq!(extracted.attachments[2].bytes, docx);
    }

    #[test]
    fn a_forwarded_message_brings_its_text_and_attachments() {
        let inner = multipart(
            "Inner",
            "Inner body.",
            &[("a.txt", "text/plain", b"inner file")],
        );
        let outer = format!(
            "From: b@example.org\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n\
             --o\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n\
             --o\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--o--\r\n"
        );
        let records = read_ok(&file("fwd.eml", outer), Limits::default());
        let extracted = &records[0];
        let narrative = &extracted.record.narrative;
        assert!(narrative.contains("Forwarding."), "{narrative}");
        assert!(
            narrative.contains("--- attachment: attachment-1.eml ---\nFrom: Ana Ruiz"),
            "{narrative}"
        );
        assert!(narrative.contains("Inner body."), "{narrative}");
        assert!(
            narrative.contains("--- attachment: a.txt ---\ninner file"),
            "{narrative}"
        );
        let names: Vec<&str> = extracted
            .attachments
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["fwd.eml", "a.txt", "attachment-1.eml"]);
        assert_eq!(extracted.attachments[2].media_type, "message/rfc822");
    }

    /// A message forwarded inside itself `depth` times.
    fn nested_message(depth: usize) -> String {
        let mut message = "From: a@example.org\r\nSubject: innermost\r\n\r\nbody\r\n".to_owned();
        for level in 0..depth {
            message = format!(
                "From: a@example.org\r\nSubject: level {level}\r\n\
                 Content-Type: multipart/mixed; boundary=\"n{level}\"\r\n\r\n\
                 --n{level}\r\nContent-Type: message/rfc822\r\n\r\n{message}\r\n--n{level}--\r\n"
            );
        }
        message
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let records = read_ok(&file("ok.eml", nested_message(3)), limits.clone());
        assert!(records[0].record.narrative.contains("innermost"));
        assert_eq!(records[0].attachments.len(), 4);
        let error = read(&file("deep.eml", nested_message(4)), &options(limits)).unwrap_err();
        assert_eq!(
            error,
            ReadError::Limit("files nest more than 3 deep".into())
        );
    }

    #[test]
    fn a_message_that_breaks_the_parser_is_malformed() {
        // Found by fuzzing: mail-parser trips a debug assertion on it.
        let eml = "Content-Type:multipart;boundary=b\n\n--bContent-Type:message/rfc822\n\n\
                   Content-Type:message/rfc822\n\n\n--b--";
        let result = read(&file("x.eml", eml), &options(Limits::default()));
        // Release builds skip the assertion and read what they can.
        if cfg!(debug_assertions) {
            assert_eq!(
                result.unwrap_err(),
                ReadError::malformed("email", "its structure broke the parser")
            );
        } else {
            result.unwrap();
        }
    }

    #[test]
    fn time_runs_out() {
        let limits = Limits {
            timeout: Duration::ZERO,
            ..Limits::default()
        };
        let error = read(&file("a.eml", nested_message(0)), &options(limits)).unwrap_err();
        assert_eq!(
            error,
            ReadError::Limit("the file took too long to read".into())
        );
    }

    const MBOX: &str = "From ana@example.org Tue Mar  5 10:20:30 2024\n\
        From: ana@example.org\nSubject: first\n\nline one\n>From the start\n>>From quoted\n\n\
        From bo@example.org Tue Mar  5 11:00:00 2024\n\
        From: bo@example.org\nSubject: second\n\nFrom here on, words at 9.\n\n";

    #[test]
    fn a_mailbox_is_a_record_per_message() {
        let records = read_ok(&file("box.mbox", MBOX), Limits::default());
        let summary: Vec<(&str, &str, &str)> = records
            .iter()
            .map(|extracted| {
                let first = &extracted.attachments[0];
                (
                    extracted.record.title.as_str(),
                    first.name.as_str(),
                    first.media_type.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("first", "message-1.eml", "message/rfc822"),
                ("second", "message-2.eml", "message/rfc822")
            ]
        );
        assert_eq!(
            String::from_utf8_lossy(&records[0].attachments[0].bytes),
            "From: ana@example.org\nSubject: first\n\nline one\nFrom the start\n>From quoted\n"
        );
        assert!(
            records[1]
                .record
                .narrative
                .contains("From here on, words at 9.")
        );
    }

    #[test]
    fn a_mailbox_over_the_message_limit_is_refused() {
        let limits = Limits {
            max_rows: 1,
            ..Limits::default()
        };
        let error = read(&file("box.mbox", MBOX), &options(limits)).unwrap_err();
        assert_eq!(
            error,
            ReadError::Limit("the mailbox holds more than 1 messages".into())
        );
    }
}
