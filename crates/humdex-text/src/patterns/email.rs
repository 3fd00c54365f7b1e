//! E-mail addresses: plain ones through linkify, and the obfuscated forms ads use to dodge filters
//! ("jane at gmail dot com", "jane(at)gmail(dot)com", "jane [at] gmail [.] com", "jane @ gmail.com").

use std::ops::Range;
use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

use super::url::common_tld;
use crate::{Context, EntityKind, Found, Normalized};

/// A local part, an "at" (bracketed, spaced or a spaced `@`), then domain labels joined by dots written plainly,
/// bracketed or as the word "dot". A plain `.` takes no spaces around it, so a sentence end does not join
/// two words into a domain.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static OBFUSCATED: LazyLock<Regex> = LazyLock::new(|| {
    let dot = r"(?:\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+dot\s+|\.)";
    let at = r"(?:\s*[(\[{<]\s*(?:at|@)\s*[)\]}>]\s*|\s+at\s+|\s+@\s*|@\s+)";
    let label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
    let local = r"[a-z0-9_%+-]+";
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?P<local>{local}(?:{dot}{local})*)(?P<at>{at})(?P<domain>{label}(?:{dot}{label})+)(?-u:\b)"
    ))
    .expect("valid regex")
});

#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static DOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+dot\s+|\.").expect("valid regex")
});

/// Words that stand before a spaced "at" in ordinary English ("meet at", "look at"), never a mailbox.
const NOT_LOCAL: &[&str] = &[
    "am",
    "are",
    "arrive",
    "available",
    "be",
    "call",
    "is",
    "it",
    "located",
    "look",
    "me",
    "meet",
    "text",
    "them",
    "there",
    "us",
    "was",
    "were",
    "work",
    "works",
    "you",
];

/// Mail providers whose name makes a spaced "at" with a plain dot an address ("jane at gmail.com"), where
/// "find us at example.com" stays a URL.
const PROVIDERS: &[&str] = &[
    "aol",
    "gmail",
    "gmx",
    "hotmail",
    "icloud",
    "live",
    "mail",
    "outlook",
    "proton",
    "protonmail",
    "tutanota",
    "yahoo",
    "yandex",
    "ymail",
    "zoho",
];

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    let start = out.len();
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Email]);
    for link in finder.links(text) {
        let address = link.as_str().to_lowercase();
        if address.rsplit('.').next().is_some_and(plausible_tld) {
            out.push(found(link.start()..link.end(), address, 0.95));
        }
    }
    for caps in OBFUSCATED.captures_iter(text) {
        let (Some(whole), Some(local), Some(at), Some(domain)) = (
            caps.get(0),
            caps.name("local"),
            caps.name("at"),
            caps.name("domain"),
        ) else {
            continue;
        };
        if out
            .get(start..)
            .is_some_and(|plain| overlaps(plain, &whole.range()))
        {
            continue;
        }
        let labels: Vec<String> = DOT.split(domain.as_str()).map(str::to_lowercase).collect();
        let Some(tld) = labels.last().filter(|tld| plausible_tld(tld)) else {
            continue;
        };
        let local = DOT.replace_all(local.as_str(), ".").to_lowercase();
        // A spaced "at" is English unless the domain is obfuscated too or names a mail provider.
        let spaced = at.as_str().trim().eq_ignore_ascii_case("at");
        let confidence = if spaced {
            let obfuscated_dot = labels.len() > domain.as_str().matches('.').count() + 1
                || domain.as_str().contains(['(', '[', '{', '<']);
            let provider = labels
                .first()
                .is_some_and(|l| PROVIDERS.contains(&l.as_str()));
            if NOT_LOCAL.contains(&local.as_str())
                || !common_tld(tld)
                || !(obfuscated_dot || provider)
            {
                continue;
            }
            0.75
        } else {
            0.85
        };
        out.push(found(
            whole.range(),
            format!("{local}@{}", labels.join(".")),
            confidence,
        ));
    }
}

/// Whether `span` overlaps one of `found`, which are in text order and do not overlap each other.
pub(super) fn overlaps(found: &[Found], span: &Range<usize>) -> bool {
    let next = found.partition_point(|f| f.span.end <= span.start);
    found.get(next).is_some_and(|f| f.span.start < span.end)
}

fn plausible_tld(tld: &str) -> bool {
    (2..=24).contains(&tld.len()) && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

fn found(span: Range<usize>, address: String, confidence: f32) -> Found {
    Found {
        kind: EntityKind::Email,
        span,
        normalized: Normalized::Text(address),
        confidence,
        source: "email",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn emails(text: &str) -> Vec<(&str, String)> {
        finds(find, text, &Context::default())
            .into_iter()
            .map(|f| {
                let Normalized::Text(address) = f.normalized else {
                    unreachable!("e-mails are text")
                };
                (text.get(f.span).unwrap_or_default(), address)
            })
            .collect()
    }

    #[test]
    fn plain_lower_cased() {
        assert_eq!(
            emails("Write to Jane.Doe@GMail.com, or (bob+ads@mail.example.org)."),
            [
                ("Jane.Doe@GMail.com", "jane.doe@gmail.com".to_owned()),
                (
                    "bob+ads@mail.example.org",
                    "bob+ads@mail.example.org".to_owned()
                )
            ]
        );
    }

    #[test]
    fn obfuscated_forms() {
        for (text, span) in [
            ("email jane at gmail dot com now", "jane at gmail dot com"),
            ("jane(at)gmail(dot)com", "jane(at)gmail(dot)com"),
            ("mail: jane [at] gmail [.] com!", "jane [at] gmail [.] com"),
            ("JANE {AT} GMAIL {DOT} COM", "JANE {AT} GMAIL {DOT} COM"),
            ("contact jane @ gmail.com", "jane @ gmail.com"),
            ("jane at gmail.com.", "jane at gmail.com"),
        ] {
            assert_eq!(
                emails(text),
                [(span, "jane@gmail.com".to_owned())],
                "{text}"
            );
        }
        assert_eq!(
            emails("jane dot doe (at) mail (dot) co (dot) uk")
                .into_iter()
                .map(|(_, a)| a)
                .collect::<Vec<_>>(),
            ["jane.doe@mail.co.uk"]
        );
    }

    #[test]
    fn english_at_is_not_an_address() {
        for text in [
            "meet at the station",
            "I work at google.com",
            "look at example dot com",
            "arrived at 5. Then left",
            "at home. com",
            "she was at school.Then",
        ] {
            assert!(emails(text).is_empty(), "{text}: {:?}", emails(text));
        }
    }

    #[test]
    fn odd_input() {
        assert!(emails("é\u{301} 👩‍❤️‍👨 @ (at) [dot]").is_empty());
        for long in [
            "a".repeat(100_000),
            "a@".repeat(50_000),
            "a at ".repeat(20_000),
            "a.".repeat(50_000),
        ] {
            assert!(emails(&long).len() <= 50_000);
        }
    }
}
