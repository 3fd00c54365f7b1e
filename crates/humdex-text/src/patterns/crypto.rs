//! Wallet addresses, each kept only when its checksum holds: Bitcoin base58check (P2PKH, P2SH) and segwit
//! bech32/bech32m, Ethereum (EIP-55 when mixed case), Monero (its block base58 with a Keccak checksum).

use std::sync::LazyLock;

use regex::Regex;
use tiny_keccak::{Hasher, Keccak};

use crate::{Context, EntityKind, Found, Normalized};

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// One pass finds every shape; the checksum then decides. ASCII word boundaries keep the DFA on
/// non-ASCII text and stop a match inside a longer token.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(?:0x[0-9a-fA-F]{40}|(?i:bc1)[02-9ac-hj-np-zA-HJ-NP-Z]{6,87}|[1-9A-HJ-NP-Za-km-z]{25,106})(?-u:\b)",
    )
    .expect("valid regex")
});

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    for m in CANDIDATE.find_iter(text) {
        let Some((chain, address, confidence)) = classify(m.as_str()) else {
            continue;
        };
        out.push(Found {
            kind: EntityKind::Crypto,
            span: m.range(),
            normalized: Normalized::Wallet { chain, address },
            confidence,
            source: "crypto",
        });
    }
}

/// The chain, normalised address and confidence of a valid address.
fn classify(s: &str) -> Option<(&'static str, String, f32)> {
    if let Some(hex) = s.strip_prefix("0x") {
        return ethereum(hex).map(|(address, confidence)| ("ethereum", address, confidence));
    }
    if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("bc1")) {
        return bech32_valid(s).then(|| ("bitcoin", s.to_ascii_lowercase(), 0.95));
    }
    let valid = match (s.as_bytes().first(), s.len()) {
        (Some(b'1' | b'3'), 25..=34) => bitcoin_base58(s),
        (Some(b'4' | b'8'), 95 | 106) => monero(s),
        _ => return None,
    };
    let chain = if s.len() > 34 { "monero" } else { "bitcoin" };
    valid.then(|| (chain, s.to_owned(), 0.95))
}

/// Base58check with version byte 0x00 (P2PKH) or 0x05 (P2SH) and a 20-byte hash.
fn bitcoin_base58(s: &str) -> bool {
    bs58::decode(s)
        .with_check(None)
        .into_vec()
        .is_ok_and(|payload| payload.len() == 21 && matches!(payload.first(), Some(0x00 | 0x05)))
}

/// A mainnet segwit address; the crate checks the checksum variant per witness version and the program length.
fn bech32_valid(s: &str) -> bool {
    bech32::segwit::decode(s).is_ok_and(|(hrp, _, _)| hrp == bech32::hrp::BC)
}

fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak::v256();
    hasher.update(data);
    let mut hash = [0; 32];
    hasher.finalize(&mut hash);
    hash
}

/// EIP-55: a hex letter is upper case when the matching nibble of the Keccak hash of the lower-case address is
/// 8 or more. Mixed case must match it exactly; single case carries no checksum, so it gets a lower confidence.
fn ethereum(hex: &str) -> Option<(String, f32)> {
    let lower = hex.to_ascii_lowercase();
    let hash = keccak256(lower.as_bytes());
    let checksummed: String = lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let byte = hash.get(i / 2).copied().unwrap_or(0);
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    match (mixed, hex == checksummed) {
        (true, false) => None,
        (true, true) => Some((format!("0x{checksummed}"), 0.95)),
        (false, _) => Some((format!("0x{checksummed}"), 0.8)),
    }
}

/// Monero: base58 in 11-character blocks of 8 bytes (a shorter last block), a one-byte network prefix
/// (18 standard, 42 subaddress, 19 integrated), two 32-byte keys (plus an 8-byte payment id when integrated)
/// and the first 4 bytes of the Keccak-256 of everything before them.
fn monero(s: &str) -> bool {
    let Some(data) = monero_base58(s.as_bytes()) else {
        return false;
    };
    let Some((body, checksum)) = data.split_at_checked(data.len().saturating_sub(4)) else {
        return false;
    };
    let prefix_ok = matches!(
        (data.len(), body.first()),
        (69, Some(18 | 42)) | (77, Some(19))
    );
    prefix_ok && keccak256(body).get(..4) == Some(checksum)
}

fn monero_base58(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 8 / 11 + 8);
    for block in s.chunks(11) {
        // Encoded length to decoded length; other lengths are never produced by the encoder.
        let size = match block.len() {
            2 => 1,
            3 => 2,
            5 => 3,
            6 => 4,
            7 => 5,
            9 => 6,
            10 => 7,
            11 => 8,
            _ => return None,
        };
        let mut value: u64 = 0;
        for &c in block {
            let digit = BASE58.iter().position(|&a| a == c)?;
            value = value
                .checked_mul(58)?
                .checked_add(u64::try_from(digit).ok()?)?;
        }
        if size < 8 && value >> (8 * size) != 0 {
            return None;
        }
        out.extend_from_slice(value.to_be_bytes().get(8 - size..)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn wallets(text: &str) -> Vec<(String, &'static str, String, f32)> {
        finds(find, text, &Context::default())
            .into_iter()
            .map(|f| {
                let Normalized::Wallet { chain, address } = f.normalized else {
                    unreachable!("crypto yields wallets")
                };
                (
                    text.get(f.span).unwrap_or_default().to_owned(),
                    chain,
                    address,
                    f.confidence,
                )
            })
            .collect()
    }

    fn one(text: &str) -> (String, &'static str, String, f32) {
        let mut found = wallets(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.remove(0)
    }

    const GENESIS: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    const P2SH: &str = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
    const MONERO: &str = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

    #[test]
    fn bitcoin_base58check() {
        let (span, chain, address, _) = one(&format!("send btc to {GENESIS}."));
        assert_eq!(
            (span.as_str(), chain, address.as_str()),
            (GENESIS, "bitcoin", GENESIS)
        );
        assert_eq!(one(&format!("p2sh:{P2SH}")).2, P2SH);
    }

    #[test]
    fn bitcoin_base58_mutations_rejected() {
        for bad in [
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", // last character changed
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfaN", // two swapped
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN",  // one dropped
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz",
        ] {
            assert!(wallets(bad).is_empty(), "{bad}");
        }
        // Inside a longer token.
        assert!(wallets(&format!("x{GENESIS}0")).is_empty());
    }

    #[test]
    fn bech32_bip173_and_bip350_vectors() {
        for (text, want) in [
            (
                "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            ),
        ] {
            let (span, chain, address, _) = one(&format!("wallet: {text}, thanks"));
            assert_eq!(
                (span.as_str(), chain, address.as_str()),
                (text, "bitcoin", want)
            );
        }
    }

    #[test]
    fn bech32_invalid_rejected() {
        for bad in [
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", // checksum
            "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", // mixed case
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", // testnet
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", // bech32m checksum on a v0 program
        ] {
            assert!(wallets(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn ethereum_eip55() {
        for address in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let (span, chain, normalized, confidence) = one(&format!("eth ({address})"));
            assert_eq!(
                (span.as_str(), chain, normalized.as_str()),
                (address, "ethereum", address)
            );
            assert!(confidence > 0.9);
        }
        // A single case carries no checksum: accepted, normalised to the checksummed form, less sure.
        let (_, _, normalized, confidence) = one("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        assert_eq!(normalized, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assert!(confidence < 0.9);
        assert_eq!(
            one("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").2,
            normalized
        );
    }

    #[test]
    fn ethereum_bad_checksum_or_length_rejected() {
        for bad in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00",
            // A 32-byte transaction hash is not an address.
            "0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b",
        ] {
            assert!(wallets(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn monero_block_base58() {
        let (span, chain, address, _) = one(&format!("xmr: {MONERO}"));
        assert_eq!(
            (span.as_str(), chain, address.as_str()),
            (MONERO, "monero", MONERO)
        );
        let mutated = MONERO.replace("BEP3A", "BEP3B");
        assert!(wallets(&mutated).is_empty());
        let swapped = MONERO.replacen("44AF", "44FA", 1);
        assert!(wallets(&swapped).is_empty());
        assert!(wallets(MONERO.get(..94).unwrap_or_default()).is_empty());
    }

    #[test]
    fn ordinary_text_and_odd_input() {
        assert!(wallets("Call 555-0123, room 12, 0x1234 and 1 hour").is_empty());
        assert!(wallets("e\u{301}mile 👩‍❤️‍👨 ＠ 🔥 ١٢٣").is_empty());
        let long = "1".repeat(100_000) + &"a".repeat(100_000);
        assert!(wallets(&long).is_empty());
        let glued = format!("🔥{GENESIS}🔥");
        assert_eq!(one(&glued).0, GENESIS);
    }
}
