//! Social and messenger handles: a user name after a platform cue ("snap: jane", "IG @jane", "kik me jane",
//! "telegram: @jane") and a bare `@name`. The span is the name (with its `@` when written), never the cue.
//! Profile links ("onlyfans.com/jane") are URLs and left to that extractor.

use std::sync::LazyLock;

use regex::Regex;

use super::url::common_tld;
use crate::{Context, EntityKind, Found, Normalized};

/// A cue, an optional `:`-like mark, an optional connector ("me", "is", …), then the name. Longer cue spellings
/// come first so the alternation does not stop at a prefix.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static CUED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?P<cue>snapchat|snap|sc|instagram|insta|ig|telegram|tele|tg|kik|whats ?app|wa|twitter|tiktok|tt|onlyfans|of|facebook|fb|wechat|line|signal|skype|discord|x)(?-u:\b)[ \t]*(?P<mark>[:=>~\-–—]+)?[ \t]*(?:(?:me|is|id|at|on)[ \t]*:?[ \t]+)?(?P<name>@?[a-z0-9_][a-z0-9_.]*)",
    )
    .expect("valid regex")
});

/// The platform a cue names, and whether the cue is also an ordinary word ("of", "line", "x") and so needs a
/// `:` or `@` before the name.
fn platform(cue: &str) -> Option<(&'static str, bool)> {
    let cue = cue.to_ascii_lowercase().replace(' ', "");
    Some(match cue.as_str() {
        "snapchat" | "snap" => ("snapchat", false),
        "sc" => ("snapchat", true),
        "instagram" | "insta" | "ig" => ("instagram", false),
        "telegram" | "tg" => ("telegram", false),
        "tele" => ("telegram", true),
        "kik" => ("kik", false),
        "whatsapp" => ("whatsapp", false),
        "wa" => ("whatsapp", true),
        "twitter" => ("twitter", false),
        "x" => ("twitter", true),
        "tiktok" => ("tiktok", false),
        "tt" => ("tiktok", true),
        "onlyfans" => ("onlyfans", false),
        "of" => ("onlyfans", true),
        "facebook" => ("facebook", false),
        "fb" => ("facebook", true),
        "wechat" => ("wechat", false),
        "line" => ("line", true),
        "signal" => ("signal", true),
        "skype" => ("skype", false),
        "discord" => ("discord", false),
        _ => return None,
    })
}

/// Words that follow a cue in ordinary sentences ("snap pics", "insta only", "kik me now").
const NOT_NAMES: &[&str] = &[
    "a",
    "account",
    "add",
    "all",
    "also",
    "an",
    "and",
    "any",
    "app",
    "as",
    "at",
    "available",
    "bio",
    "but",
    "by",
    "call",
    "channel",
    "chat",
    "contact",
    "content",
    "dm",
    "dms",
    "find",
    "follow",
    "for",
    "free",
    "from",
    "group",
    "handle",
    "here",
    "hmu",
    "id",
    "if",
    "in",
    "info",
    "is",
    "it",
    "just",
    "link",
    "live",
    "me",
    "message",
    "more",
    "msg",
    "my",
    "name",
    "no",
    "not",
    "now",
    "number",
    "of",
    "ok",
    "on",
    "only",
    "or",
    "page",
    "pic",
    "pics",
    "please",
    "pls",
    "plz",
    "premium",
    "private",
    "profile",
    "same",
    "so",
    "story",
    "stories",
    "sub",
    "text",
    "that",
    "the",
    "them",
    "then",
    "this",
    "to",
    "too",
    "u",
    "ur",
    "us",
    "user",
    "username",
    "verified",
    "video",
    "videos",
    "vip",
    "with",
    "you",
    "your",
];

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    // In text order, so the bare pass can skip a cued `@name` by binary search.
    let mut cued_starts = Vec::new();
    for caps in CUED.captures_iter(text) {
        let (Some(cue), Some(name)) = (caps.name("cue"), caps.name("name")) else {
            continue;
        };
        let Some((platform, weak)) = platform(cue.as_str()) else {
            continue;
        };
        let at = name.as_str().starts_with('@');
        let marked = at || caps.name("mark").is_some();
        if weak && !marked {
            continue;
        }
        let Some((end, user)) = user_name(text, name.start() + usize::from(at)) else {
            continue;
        };
        if !marked
            && (user.len() < 3
                || NOT_NAMES.contains(&user.as_str())
                || self::platform(&user).is_some())
        {
            continue;
        }
        cued_starts.push(name.start());
        out.push(found(
            name.start()..end,
            Some(platform),
            user,
            if marked { 0.9 } else { 0.75 },
        ));
    }
    for (at, _) in text.match_indices('@') {
        // After a word, dot or slash the `@` belongs to an e-mail or a URL.
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        if before.is_some_and(|c| c.is_alphanumeric() || "_.@/-+".contains(c))
            || cued_starts.binary_search(&at).is_ok()
        {
            continue;
        }
        if let Some((end, user)) =
            user_name(text, at + 1).filter(|(_, u)| u.starts_with(|c: char| !c.is_ascii_digit()))
        {
            out.push(found(at..end, None, user, 0.7));
        }
    }
}

/// The end of the user name starting at `start` and its lower-case form, when it is one: 2 to 32 ASCII word
/// characters or dots (a trailing dot is punctuation), with a letter, not followed by `@` (an e-mail's local
/// part) and not a domain.
fn user_name(text: &str, start: usize) -> Option<(usize, String)> {
    let rest = text.get(start..)?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
        .count();
    let name = rest.get(..len)?.trim_end_matches('.');
    let after = rest.get(len..)?.chars().next();
    let domain = name
        .rsplit_once('.')
        .is_some_and(|(_, tld)| common_tld(tld));
    let ok = (2..=32).contains(&name.len())
        && name.bytes().any(|b| b.is_ascii_alphabetic())
        && !name.starts_with('.')
        && !domain
        && after.is_none_or(|c| c != '@' && !c.is_alphanumeric());
    ok.then(|| (start + name.len(), name.to_ascii_lowercase()))
}

fn found(
    span: std::ops::Range<usize>,
    platform: Option<&str>,
    name: String,
    confidence: f32,
) -> Found {
    Found {
        kind: EntityKind::Handle,
        span,
        normalized: Normalized::Handle {
            platform: platform.map(str::to_owned),
            name,
        },
        confidence,
        source: "handle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn handles(text: &str) -> Vec<(&str, Option<String>, String)> {
        finds(find, text, &Context::default())
            .into_iter()
            .map(|f| {
                let Normalized::Handle { platform, name } = f.normalized else {
                    unreachable!("handles")
                };
                (text.get(f.span).unwrap_or_default(), platform, name)
            })
            .collect()
    }

    fn one(text: &str) -> (&str, Option<String>, String) {
        let found = handles(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn cue_forms() {
        for (text, span, platform, name) in [
            ("snap: Jane_Doe", "Jane_Doe", "snapchat", "jane_doe"),
            (
                "add my sc: sexyjane22 ;)",
                "sexyjane22",
                "snapchat",
                "sexyjane22",
            ),
            ("IG: jane.doe.", "jane.doe", "instagram", "jane.doe"),
            ("insta jessxo", "jessxo", "instagram", "jessxo"),
            ("telegram: @JaneX", "@JaneX", "telegram", "janex"),
            ("tg janex99", "janex99", "telegram", "janex99"),
            ("kik: candy_girl", "candy_girl", "kik", "candy_girl"),
            ("kik me candy_girl", "candy_girl", "kik", "candy_girl"),
            ("WhatsApp: jane_w", "jane_w", "whatsapp", "jane_w"),
            ("twitter @jane", "@jane", "twitter", "jane"),
            ("Snapchat - jane.x", "jane.x", "snapchat", "jane.x"),
            ("of: janexo", "janexo", "onlyfans", "janexo"),
        ] {
            assert_eq!(
                one(text),
                (span, Some(platform.to_owned()), name.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn bare_at_names() {
        assert_eq!(
            handles("follow @jane_x and @Bob.Smith."),
            [
                ("@jane_x", None, "jane_x".to_owned()),
                ("@Bob.Smith", None, "bob.smith".to_owned())
            ]
        );
    }

    #[test]
    fn not_handles() {
        for text in [
            "jane@gmail.com",
            "jane @gmail.com",
            "onlyfans.com/jane",
            "https://x.com/@jane",
            "snap pics only",
            "kik me now",
            "pictures of jane",
            "line up at 5",
            "whatsapp 555-555-0123",
            "whatsapp: +1 555 555 0123",
            "meet @10am",
            "insta me",
            "a @ b",
        ] {
            assert!(handles(text).is_empty(), "{text}: {:?}", handles(text));
        }
    }

    #[test]
    fn odd_input() {
        assert!(handles("é\u{301} 👩‍❤️‍👨 @ @@ @é").is_empty());
        assert_eq!(one("🔥@jane🔥").0, "@jane");
        for long in [
            "a".repeat(100_000),
            "@".repeat(100_000),
            "@a".repeat(50_000),
            "snap ".repeat(20_000),
        ] {
            let _ = handles(&long);
        }
    }
}
