//! Web addresses through linkify: with a scheme, `www.` ones, and bare domains whose TLD is common
//! ("example.com/page"). E-mail addresses, plain or obfuscated, are left to the e-mail extractor.

use linkify::{LinkFinder, LinkKind};

use crate::{Context, EntityKind, Found, Normalized};

/// TLDs common enough that a bare `name.tld` in text is a web address.
const COMMON_TLDS: &[&str] = &[
    "app", "ar", "asia", "at", "au", "be", "biz", "blog", "br", "ca", "cc", "ch", "cl", "click",
    "club", "cn", "co", "com", "cz", "de", "dev", "dk", "es", "eu", "fi", "fr", "fun", "gov", "gr",
    "hk", "id", "ie", "il", "in", "info", "io", "it", "jp", "kr", "link", "live", "ly", "me",
    "mobi", "mx", "my", "net", "ng", "nl", "no", "nz", "online", "org", "ph", "pl", "pro", "pt",
    "ro", "ru", "se", "sg", "shop", "site", "space", "store", "th", "tk", "to", "top", "tr", "tv",
    "tw", "ua", "uk", "us", "vip", "vn", "website", "ws", "xxx", "xyz", "za",
];

/// Common TLDs that are also English words: a bare domain ending in one needs a path ("t.me/name"), so that
/// "girl.me" or "there.in" in text without spaces is not a link.
const WORD_TLDS: &[&str] = &["at", "be", "id", "in", "it", "me", "my", "no", "to", "us"];

pub(super) fn common_tld(tld: &str) -> bool {
    COMMON_TLDS.contains(&tld.to_ascii_lowercase().as_str())
}

pub(crate) fn find(text: &str, context: &Context, out: &mut Vec<Found>) {
    let mut emails = Vec::new();
    super::email::find(text, context, &mut emails);
    emails.sort_by_key(|e| e.span.start);
    let mut finder = LinkFinder::new();
    // Asking for e-mails too makes linkify consume them whole, so their domains are not offered as URLs; ASCII
    // hosts keep an emoji glued to an ad's link out of it.
    finder
        .kinds(&[LinkKind::Url, LinkKind::Email])
        .url_must_have_scheme(false)
        .url_can_be_iri(false);
    for link in finder.links(text) {
        let span = link.start()..link.end();
        if *link.kind() != LinkKind::Url || super::email::overlaps(&emails, &span) {
            continue;
        }
        if let Some((url, confidence)) = canonical(link.as_str()) {
            out.push(Found {
                kind: EntityKind::Url,
                span,
                normalized: Normalized::Text(url),
                confidence,
                source: "url",
            });
        }
    }
}

/// The address with its scheme and host in lower case (`http://` added when none is written), and how sure a
/// link of that shape is; `None` for a bare name whose TLD is not a common one.
fn canonical(link: &str) -> Option<(String, f32)> {
    let (scheme, rest, confidence) = match link.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest, 0.95),
        None => ("http".to_owned(), link, 0.7),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (Some(userinfo), host),
        None => (None, authority),
    };
    let host = host.to_lowercase();
    let www = host.starts_with("www.");
    if confidence < 0.9 && !www {
        let name = host.split(':').next().unwrap_or_default();
        let tld = name.rsplit('.').next().unwrap_or_default();
        // A capital TLD after a lower-case name ("there.In") is a missing space, not a domain.
        let written_tld = authority.rsplit('.').next().unwrap_or_default();
        let mixed_case = written_tld.bytes().any(|b| b.is_ascii_uppercase())
            && authority.bytes().any(|b| b.is_ascii_lowercase());
        let word_without_path = WORD_TLDS.contains(&tld) && path.len() <= 1;
        if !common_tld(tld) || mixed_case || word_without_path || userinfo.is_some() {
            return None;
        }
    }
    let confidence = if www && confidence < 0.9 {
        0.9
    } else {
        confidence
    };
    let userinfo = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    Some((format!("{scheme}://{userinfo}{host}{path}"), confidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn urls(text: &str) -> Vec<(&str, String)> {
        finds(find, text, &Context::default())
            .into_iter()
            .map(|f| {
                let Normalized::Text(url) = f.normalized else {
                    unreachable!("URLs are text")
                };
                (text.get(f.span).unwrap_or_default(), url)
            })
            .collect()
    }

    fn one(text: &str) -> (&str, String) {
        let found = urls(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn scheme_and_host_lower_cased_path_kept() {
        assert_eq!(
            one("see HTTPS://Example.COM/Path?Q=A#Top."),
            (
                "HTTPS://Example.COM/Path?Q=A#Top",
                "https://example.com/Path?Q=A#Top".to_owned()
            )
        );
        assert_eq!(
            one("ftp://Host.Example.org:8080/X").1,
            "ftp://host.example.org:8080/X"
        );
    }

    #[test]
    fn www_and_bare_domains_get_http() {
        assert_eq!(
            one("go to www.Escort-Ads.net!"),
            ("www.Escort-Ads.net", "http://www.escort-ads.net".to_owned())
        );
        assert_eq!(
            one("(example.com/page)"),
            ("example.com/page", "http://example.com/page".to_owned())
        );
        assert_eq!(
            one("onlyfans.com/jane_x, thanks"),
            (
                "onlyfans.com/jane_x",
                "http://onlyfans.com/jane_x".to_owned()
            )
        );
        assert_eq!(
            one("t.me/jane"),
            ("t.me/jane", "http://t.me/jane".to_owned())
        );
    }

    #[test]
    fn trailing_punctuation_excluded() {
        for text in [
            "http://example.com.",
            "http://example.com,",
            "(http://example.com)",
            "'http://example.com'!",
        ] {
            assert_eq!(one(text).0, "http://example.com", "{text}");
        }
        assert_eq!(
            one("(see https://en.wikipedia.org/wiki/Foo_(bar))").0,
            "https://en.wikipedia.org/wiki/Foo_(bar)"
        );
    }

    #[test]
    fn emails_are_not_urls() {
        for text in [
            "jane@gmail.com",
            "jane (at) gmail.com",
            "jane at gmail.com",
            "jane @ gmail.com",
            "mailto:jane@x.org",
        ] {
            assert!(urls(text).is_empty(), "{text}: {:?}", urls(text));
        }
    }

    #[test]
    fn not_domains() {
        for text in [
            "photo.jpg and index.php",
            "e.g. this, i.e. that",
            "She was there.In the morning",
            "sweet girl.me",
            "version 1.2.3 costs 4.50",
            "Mr.Big",
        ] {
            assert!(urls(text).is_empty(), "{text}: {:?}", urls(text));
        }
    }

    #[test]
    fn odd_input() {
        assert!(urls("é\u{301} 👩‍❤️‍👨 ..").is_empty());
        assert_eq!(one("🔥www.example.com🔥").0, "www.example.com");
        for long in [
            "a".repeat(100_000),
            "a.".repeat(50_000),
            ".".repeat(100_000),
            "a/".repeat(50_000),
        ] {
            let _ = urls(&long);
        }
    }
}
