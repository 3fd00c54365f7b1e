//! PDF.

/// Placeholder until the reader is written.
pub(crate) fn read(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "pdf reader not written yet".to_owned(),
    )))
}
