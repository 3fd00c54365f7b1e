//! Character offsets, which the JSON output uses, from the byte offsets Rust strings use.

/// Converts byte offsets to character offsets in one forward pass when asked in order.
pub(crate) struct CharOffsets<'t> {
    text: &'t str,
    byte: usize,
    chars: usize,
}

impl<'t> CharOffsets<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// The character offset of byte offset `byte` (a character boundary).
    pub(crate) fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self
            .text
            .get(self.byte..byte)
            .map_or(0, |between| between.chars().count());
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_offsets_count_characters_not_bytes() {
        let text = "Łódź → Kraków";
        let mut offsets = CharOffsets::new(text);
        let arrow = text.find('→').unwrap_or_default();
        assert_eq!(offsets.at(arrow), 5);
        assert_eq!(offsets.at(text.len()), 13);
        assert_eq!(offsets.at(0), 0);
    }
}
