//! Email messages and mailboxes.

/// Placeholder until the reader is written.
pub(crate) fn read_message(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "eml reader not written yet".to_owned(),
    )))
}

/// Placeholder until the reader is written.
pub(crate) fn read_mbox(
    _context: &crate::Context<'_>,
    _file: &crate::File,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "mbox reader not written yet".to_owned(),
    )))
}
