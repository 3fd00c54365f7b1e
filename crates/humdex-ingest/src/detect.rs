//! What a file is: by its content first (a name can lie), by its name where content says nothing.

/// The formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One email message (RFC 5322, `.eml`).
    Email,
    /// A Unix mailbox of messages (`.mbox`).
    Mbox,
    /// PDF.
    Pdf,
    /// Word (Office Open XML).
    Docx,
    /// Excel (Office Open XML).
    Xlsx,
    /// Excel 97–2003.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Comma- (or tab-, semicolon-) separated values.
    Csv,
    /// A photo or picture.
    Image(ImageFormat),
    /// One JSON record, or an array of them.
    Json,
    /// One JSON record per line.
    JsonLines,
    /// Plain UTF-8 text.
    Text,
}

/// The image formats we decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    WebP,
    /// GIF.
    Gif,
    /// TIFF.
    Tiff,
}

impl Format {
    /// The media type files of this format are stored under.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Email => "message/rfc822",
            Self::Mbox => "application/mbox",
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Xls => "application/vnd.ms-excel",
            Self::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Self::Csv => "text/csv",
            Self::Image(ImageFormat::Jpeg) => "image/jpeg",
            Self::Image(ImageFormat::Png) => "image/png",
            Self::Image(ImageFormat::WebP) => "image/webp",
            Self::Image(ImageFormat::Gif) => "image/gif",
            Self::Image(ImageFormat::Tiff) => "image/tiff",
            Self::Json => "application/json",
            Self::JsonLines => "application/jsonl",
            Self::Text => "text/plain",
        }
    }
}

/// The format of a file named `name` holding `bytes`, if we read it.
pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(format) = by_magic(bytes, &extension) {
        return Some(format);
    }
    let text = is_text(bytes);
    match extension.as_str() {
        "eml" | "msg" if text => Some(Format::Email),
        "mbox" | "mbx" if text => Some(Format::Mbox),
        "csv" | "tsv" => Some(Format::Csv),
        "json" => Some(Format::Json),
        "jsonl" | "ndjson" => Some(Format::JsonLines),
        "txt" | "text" | "md" if text => Some(Format::Text),
        _ if text && looks_like_email(bytes) => Some(Format::Email),
        _ => None,
    }
}

fn by_magic(bytes: &[u8], extension: &str) -> Option<Format> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") {
        Some(Format::Pdf)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Image(ImageFormat::Jpeg))
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Image(ImageFormat::Png))
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Format::Image(ImageFormat::Gif))
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some(Format::Image(ImageFormat::Tiff))
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(Format::Image(ImageFormat::WebP))
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An OLE2 compound file: of those we read only Excel 97–2003 workbooks.
        Some(Format::Xls)
    } else if starts(b"PK\x03\x04") {
        zip_format(bytes, extension)
    } else if starts(b"From ") {
        Some(Format::Mbox)
    } else {
        None
    }
}

/// Office Open XML and OpenDocument files are zip archives; their first members tell which.
fn zip_format(bytes: &[u8], extension: &str) -> Option<Format> {
    // ODF puts an uncompressed `mimetype` member first, naming the type.
    let head = bytes.get(..bytes.len().min(256)).unwrap_or_default();
    if contains(
        head,
        b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
    ) {
        return Some(Format::Ods);
    }
    match extension {
        "docx" => Some(Format::Docx),
        "xlsx" | "xlsm" => Some(Format::Xlsx),
        "ods" => Some(Format::Ods),
        // OOXML names its parts in the central directory at the end of the archive.
        _ if contains(bytes, b"word/document.xml") => Some(Format::Docx),
        _ if contains(bytes, b"xl/workbook.xml") => Some(Format::Xlsx),
        _ => None,
    }
}

/// Whether the file's first 4 KiB are UTF-8 (a character cut at the end is fine) without NULs.
fn is_text(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(4096)).unwrap_or_default();
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    };
    utf8 && !head.contains(&0)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Whether text opens with RFC 5322 header fields a message always has.
fn looks_like_email(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(4096)).unwrap_or_default())
        .to_ascii_lowercase();
    let headers = head.split("\n\n").next().unwrap_or_default();
    let has = |name: &str| headers.lines().any(|line| line.starts_with(name));
    has("from:") && (has("date:") || has("subject:") || has("message-id:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_wins_over_the_name() {
        assert_eq!(
            detect("photo.pdf", b"\xFF\xD8\xFF\xE0rest"),
            Some(Format::Image(ImageFormat::Jpeg))
        );
        assert_eq!(detect("a.txt", b"%PDF-1.7\n"), Some(Format::Pdf));
        assert_eq!(
            detect("note", b"From: a@example.org\nSubject: hi\n\nbody"),
            Some(Format::Email)
        );
        assert_eq!(detect("notes.txt", b"just words"), Some(Format::Text));
        assert_eq!(detect("data.bin", &[0, 1, 2, 0xFF]), None);
        assert_eq!(detect("rows.csv", b"a,b\n1,2\n"), Some(Format::Csv));
    }
}
