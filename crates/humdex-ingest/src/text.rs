//! Text cut to fit a record: readers take titles and fields from hostile files of any length.

/// The longest title a record may hold.
pub(crate) const MAX_TITLE: usize = 500;

/// The longest start of `text` of at most `max` bytes that does not cut a character.
pub(crate) fn clip(text: &str, max: usize) -> &str {
    text.get(..text.floor_char_boundary(max))
        .unwrap_or_default()
}

/// A title from `text`: its first non-blank line, trimmed, cut to at most [`MAX_TITLE`] bytes.
pub(crate) fn title(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    Some(clip(line, MAX_TITLE).to_owned())
}
