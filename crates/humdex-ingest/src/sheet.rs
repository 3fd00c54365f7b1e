//! Spreadsheets and CSV.

/// Which columns hold what (placeholder until the reader is written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {}

/// Placeholder until the reader is written.
pub(crate) fn read(
    _context: &crate::Context<'_>,
    _file: &crate::File,
    _format: crate::Format,
) -> Result<Vec<crate::Extracted>, crate::ReadError> {
    Err(crate::ReadError::Unsupported(Some(
        "sheet reader not written yet".to_owned(),
    )))
}
