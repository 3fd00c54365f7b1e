//! Word documents and plain text.

/// Placeholder until the reader is written.
pub(crate) fn read(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "docx reader not written yet".to_owned(),
    )))
}

/// Placeholder until the reader is written.
pub(crate) fn read_text(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "text reader not written yet".to_owned(),
    )))
}
