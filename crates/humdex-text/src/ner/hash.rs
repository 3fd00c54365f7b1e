//! The two MurmurHash variants spaCy and thinc use: MurmurHash64A for string ids, and thinc's
//! MurmurHash3_x86_128 specialised to one 64-bit key for the HashEmbed rows.

/// Little-endian value of up to 8 bytes.
fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// MurmurHash64A (Austin Appleby), as spaCy's `hash_string` calls it with seed 1.
pub(super) fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let blocks = data.chunks_exact(8);
    let tail = blocks.remainder();
    for block in blocks {
        let k = le_u64(block).wrapping_mul(M);
        h ^= (k ^ (k >> R)).wrapping_mul(M);
        h = h.wrapping_mul(M);
    }
    if !tail.is_empty() {
        h = (h ^ le_u64(tail)).wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^ (h >> R)
}

/// thinc's `MurmurHash3_x86_128_uint64`: four 32-bit keys for one 64-bit id.
pub(super) fn murmur3_u64(val: u64, seed: u32) -> [u32; 4] {
    fn fmix(mut k: u64) -> u64 {
        k ^= k >> 33;
        k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
        k ^= k >> 33;
        k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k ^ (k >> 33)
    }
    let seed = u64::from(seed);
    let mut h1 = val.wrapping_mul(0x87c3_7b91_1142_53d5).rotate_left(31);
    h1 = h1.wrapping_mul(0x4cf5_ad43_2745_937f) ^ seed ^ 8;
    let mut h2 = seed ^ 8;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    // `as u32` keeps the low half of a lane.
    [h1 as u32, (h1 >> 32) as u32, h2 as u32, (h2 >> 32) as u32]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_spacy_hash_string() {
        for (s, h) in [
            ("a", 11_901_859_001_352_538_922),
            ("apple", 8_566_208_034_543_834_098),
            ("abcdefgh", 17_751_780_907_874_141_760),
            ("abcdefghij", 17_029_599_333_975_756_408),
            ("Zürich", 9_452_955_988_637_137_518),
        ] {
            assert_eq!(murmur64a(s.as_bytes(), 1), h, "{s}");
        }
    }

    #[test]
    fn matches_thinc_ops_hash() {
        assert_eq!(murmur3_u64(0, 8), [0; 4]);
        assert_eq!(
            murmur3_u64(1, 8),
            [1_161_550_108, 2_247_783_286, 1_742_325_162, 1_224_191_281]
        );
        assert_eq!(
            murmur3_u64(8_566_208_034_543_834_098, 8),
            [2_653_853_934, 3_922_826_080, 3_980_780_901, 3_736_755_472]
        );
        assert_eq!(
            murmur3_u64(u64::MAX, 8),
            [2_488_739_950, 2_974_852_181, 1_585_626_277, 2_314_794_624]
        );
    }
}
