//! A 256-bit perceptual hash and its Hamming distance.

use std::fmt;
use std::str::FromStr;

/// A 256-bit hash. Bit `k` is bit `k % 64` of word `k / 64`; as hex it is the reference's
/// 64-digit big-endian form (word 3 first), so it compares with every other PDQ implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash256(pub [u64; 4]);

impl Hash256 {
    /// The number of bits in which `self` and `other` differ.
    #[inline]
    pub fn distance(&self, other: &Self) -> u32 {
        let [a0, a1, a2, a3] = self.0;
        let [b0, b1, b2, b3] = other.0;
        (a0 ^ b0).count_ones()
            + (a1 ^ b1).count_ones()
            + (a2 ^ b2).count_ones()
            + (a3 ^ b3).count_ones()
    }

    /// Whether bit `k` (0–255) is set.
    pub fn bit(&self, k: usize) -> bool {
        self.0
            .get(k / 64)
            .is_some_and(|word| word >> (k % 64) & 1 == 1)
    }

    /// The 32 bytes of the hex form, most significant first (how it is stored).
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut bytes = [0; 32];
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(self.0.iter().rev()) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        bytes
    }

    /// The hash whose [`Hash256::to_bytes`] is `bytes`.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut words = [0; 4];
        for (word, chunk) in words.iter_mut().rev().zip(bytes.chunks_exact(8)) {
            let mut be = [0; 8];
            be.copy_from_slice(chunk);
            *word = u64::from_be_bytes(be);
        }
        Self(words)
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for word in self.0.iter().rev() {
            write!(formatter, "{word:016x}")?;
        }
        Ok(())
    }
}

/// Why a text is not a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a PDQ hash is 64 hexadecimal digits")]
pub struct InvalidHash;

impl FromStr for Hash256 {
    type Err = InvalidHash;

    fn from_str(text: &str) -> Result<Self, InvalidHash> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(InvalidHash);
        }
        let mut words = [0; 4];
        for (word, index) in words.iter_mut().rev().zip(0..4) {
            let digits = text.get(index * 16..index * 16 + 16).ok_or(InvalidHash)?;
            *word = u64::from_str_radix(digits, 16).map_err(|_| InvalidHash)?;
        }
        Ok(Self(words))
    }
}

impl serde::Serialize for Hash256 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Hash256 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_bytes_round_trip_in_the_reference_order() {
        let text = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let hash: Hash256 = text.parse().unwrap();
        assert_eq!(hash.to_string(), text);
        assert_eq!(hash.0[3], 0xf8f8f0cee0f4a84f);
        // Bit 0 is the last hex digit's lowest bit (0x2 → bit 1 set, bit 0 clear).
        assert!(!hash.bit(0));
        assert!(hash.bit(1));
        assert_eq!(Hash256::from_bytes(&hash.to_bytes()), hash);
        assert_eq!(hash.to_bytes()[0], 0xf8);
        assert_eq!(hash.distance(&hash), 0);
        let mut flipped = hash;
        flipped.0[0] ^= 0b1011;
        assert_eq!(hash.distance(&flipped), 3);
        assert!("xyz".parse::<Hash256>().is_err());
        assert!(text[1..].parse::<Hash256>().is_err());
    }
}

/// A line of a hash-list file that is not a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: `{text}` is not a PDQ hash (64 hexadecimal digits)")]
pub struct InvalidHashLine {
    /// The line's number, from 1.
    pub line: usize,
    /// The line's first word, shortened.
    pub text: String,
}

/// The hashes of a hash-list file: one hash per line, as its first word (further words or
/// comma-separated columns, such as a quality, are ignored); blank lines and `#` comments are
/// skipped. A header line naming the column (`hash`, `pdq`, `signal`…) is skipped too.
pub fn parse_hash_list(text: &str) -> Result<Vec<Hash256>, InvalidHashLine> {
    let mut hashes = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        let first = line
            .split(|c: char| c == ',' || c == '\t' || c.is_whitespace())
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        match first.parse() {
            Ok(hash) => hashes.push(hash),
            // A header names its column in letters; a damaged hash is not skipped.
            Err(_) if index == 0 && first.chars().all(|c| c.is_ascii_alphabetic() || c == '_') => {}
            Err(_) => {
                return Err(InvalidHashLine {
                    line: index + 1,
                    text: first.chars().take(80).collect(),
                });
            }
        }
    }
    Ok(hashes)
}

#[cfg(test)]
mod list_tests {
    use super::*;

    #[test]
    fn reads_hash_lists_with_headers_comments_and_extra_columns() {
        let a = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let b = "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff";
        let text = format!("hash,quality\n{a},100\n\n# from a partner\n\"{b}\" 90\n");
        let hashes = parse_hash_list(&text).unwrap();
        assert_eq!(hashes.len(), 2);
        assert_eq!(hashes[1].to_string(), b);
        let error = parse_hash_list(&format!("{a}\nnot-a-hash\n")).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.to_string().contains("not-a-hash"));
    }
}
