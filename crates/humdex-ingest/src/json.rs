//! JSON records.

/// Placeholder until the reader is written.
pub(crate) fn read_json(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "json reader not written yet".to_owned(),
    )))
}

/// Placeholder until the reader is written.
pub(crate) fn read_lines(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "jsonl reader not written yet".to_owned(),
    )))
}
