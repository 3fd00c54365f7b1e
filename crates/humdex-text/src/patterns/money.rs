//! Amounts of money: a currency symbol, ISO code or word before or after the amount (`$200`, `200 USD`, `€1.500`,
//! `300 dollars`, `$5k`), ad code units standing for money (`150 roses`, `🌹150`, `200 donation`, `100 kisses`), and a
//! rate attached after (`$150/hr`, `80hh`, `200 per hour`) or written as a label before (`HH 120`).
//!
//! Policies: a bare number is money only with a rate unit (`120hh 200hr` is two prices), and then only from 20 up;
//! the ambiguous `hr`/`hour`/`h` without `/` or `per` needs 50 or more, so "24hr" stays a duration. A rate label
//! before the amount is part of the span. `$` and "dollars" follow the context region (CAD in Canada, MXN in
//! Mexico, …), USD otherwise; a bare price takes the region's currency (USD when unknown). "Pounds" is left out: in
//! ads it is body weight. "Kisses" counts as a code unit, with low confidence. `k` multiplies by a thousand only next
//! to a currency (`$5k`, `5k USD`), not alone ("5k run").

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::{Context, EntityKind, Found, Normalized};

const NUMBER: &str =
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,9}(?:[.,]\d{1,2})?";
const SYMBOL: &str = r"US\$|CA?\$|AU?\$|MX\$|HK\$|NZ\$|S\$|R\$|\$|€|£|¥|₹|₱|₦|₩|₽|₺|₫|฿|₴|₪|₵|₡|₲";
const CODE: &str = "USD|EUR|GBP|MXN|CAD|AUD|NZD|JPY|CNY|RMB|INR|PHP|NGN|KRW|RUB|THB|VND|UAH|ILS|BRL|COP|ARS|CLP|PEN|GTQ|\
                    HNL|DOP|ZAR|KES|GHS|CHF|SEK|NOK|DKK|PLN|RON|HUF|CZK|AED|SAR|HKD|SGD|MYR|IDR|PKR|BDT";
const UNIT: &str = concat!(
    r"hhr?|half[\s-]?(?:an?\s)?hour|hr|hour|h|qv|qk|quick[\s-]?visit|ov|overnight|o/n|full[\s-]?hour|fh|",
    r"30\s?min(?:ute)?s?|60\s?min(?:ute)?s?|1\s?hr|night"
);
// `(?-u:\b)`: ASCII word boundaries; Unicode ones make the regex engine leave its fast DFA on any emoji.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<label>(?i:{UNIT}))(?-u:\b)\s*[:=-]?\s*(?P<lsym>{SYMBOL})?\s?(?P<a5>{NUMBER})
        |(?P<sym>{SYMBOL}|🌹+)\s?(?P<a1>{NUMBER})(?P<k1>[kK](?-u:\b))?
        |(?-u:\b)(?P<code>{CODE})\s?(?P<a2>{NUMBER})(?P<k2>[kK](?-u:\b))?
        |(?-u:\b)(?P<a3>{NUMBER})(?P<k3>[kK])?\s?(?:
            (?P<sym3>{SYMBOL})
           |(?P<code3>{CODE})(?-u:\b)
           |(?i:(?P<word>dollars?|bucks|usd|euros?|quid|pesos?|yen|yuan|rupees?|naira|reais|rubles?|roubles?|baht)(?-u:\b))
           |(?i:(?P<unit>roses?(?-u:\b)|🌹+|donations?(?-u:\b)|kisses(?-u:\b))))
        |(?-u:\b)(?P<a4>{NUMBER}){rate}",
        rate = rate(false)
    );
    Regex::new(&format!("(?x){pattern}")).expect("valid money pattern")
});

#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static RATE_AFTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{}", rate(true))).expect("valid rate pattern"));

/// A rate after an amount ("/hr", " per hour", "hh", " an hour"); `named` captures its separator and unit.
fn rate(named: bool) -> String {
    let (sep, unit) = if named {
        ("?P<sep>", "?P<unit>")
    } else {
        ("?:", "?:")
    };
    format!(r"(?i:\s?({sep}/|per(?-u:\b)|an?(?-u:\b)|p/)?\s?({unit}{UNIT})(?-u:\b))")
}

pub(crate) fn find(text: &str, context: &Context, out: &mut Vec<Found>) {
    let region = context
        .default_region
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    // A price may run past its match ("$150" + "/hr"); a match inside it is skipped, and the search resumes after
    // it rather than after that match, which could hide the next price ("$150/hr 80hh").
    let (mut at, mut consumed) = (0, 0);
    while let Some(caps) = AMOUNT.captures_at(text, at) {
        let Some(whole) = caps.get(0) else { break };
        at = whole.end();
        if whole.start() < consumed {
            at = consumed;
        } else if let Some(found) = price(text, &caps, &region) {
            (at, consumed) = (found.span.end, found.span.end);
            out.push(found);
        }
    }
}

fn price(text: &str, caps: &Captures, region: &str) -> Option<Found> {
    let whole = caps.get(0)?;
    let number = ["a1", "a2", "a3", "a4", "a5"]
        .into_iter()
        .find_map(|n| caps.name(n))?;
    let before = text
        .get(..whole.start())
        .and_then(|s| s.chars().next_back());
    // A number inside a longer one, a decimal, a time, a phone or a list of codes; a symbol may follow a colon.
    let inside = |c: char| matches!(c, '.' | ',' | '/' | ':' | '#' | '+');
    if number.start() == whole.start() && before.is_some_and(inside)
        || text
            .get(number.end()..)
            .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    let thousands = ["k1", "k2", "k3"]
        .into_iter()
        .any(|k| caps.name(k).is_some());
    let amount = parse(number.as_str())? * if thousands { 1000.0 } else { 1.0 };
    let (currency, confidence) = currency(caps, region)?;
    // A bare amount's match includes its rate, which is parsed again below.
    let mut span = whole.start()..if caps.name("a4").is_some() {
        number.end()
    } else {
        whole.end()
    };
    // "hr", "hour" and "h" alone also measure time ("24hr", "h 30"): a bare amount needs 50 up, or "/" or "per".
    let loose = |unit: &str| matches!(unit.to_ascii_lowercase().as_str(), "hr" | "hour" | "h");
    let per = if let Some(label) = caps.name("label") {
        if currency.is_empty() && loose(label.as_str()) && amount < 50.0 {
            return None;
        }
        period(label.as_str())
    } else if let Some(rate) = text.get(span.end..).and_then(|s| RATE_AFTER.captures(s)) {
        let unit = rate.name("unit")?.as_str();
        let slashed = rate
            .name("sep")
            .is_some_and(|s| s.as_str() == "/" || s.as_str().eq_ignore_ascii_case("per"));
        if currency.is_empty() && loose(unit) && !slashed && amount < 50.0 {
            return None;
        }
        span.end += rate.get(0)?.end();
        period(unit)
    } else {
        None
    };
    if currency.is_empty() && (per.is_none() || amount < 20.0) {
        return None;
    }
    Some(Found {
        kind: EntityKind::Money,
        span,
        normalized: Normalized::Money {
            amount,
            currency: if currency.is_empty() {
                local(region).to_owned()
            } else {
                currency
            },
            per: per.map(str::to_owned),
        },
        confidence,
        source: "money",
    })
}

/// An amount with `,` or `.` grouping thousands; a last separator followed by one or two digits is the decimal point.
fn parse(number: &str) -> Option<f64> {
    let (whole, fraction) = match number.rfind([',', '.']) {
        Some(at) if number.len() - at <= 3 => (number.get(..at)?, number.get(at + 1..)?),
        _ => (number, "0"),
    };
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let amount: f64 = format!("{digits}.{fraction}").parse().ok()?;
    (amount < 1e12).then_some(amount)
}

/// The currency and confidence; an empty currency for a bare amount (money only with a rate).
fn currency(caps: &Captures, region: &str) -> Option<(String, f32)> {
    if let Some(symbol) = caps.name("sym").or(caps.name("sym3")).or(caps.name("lsym")) {
        return Some((symbol_code(symbol.as_str(), region).to_owned(), 0.95));
    }
    if let Some(code) = caps.name("code").or(caps.name("code3")) {
        let code = if code.as_str() == "RMB" {
            "CNY"
        } else {
            code.as_str()
        };
        return Some((code.to_owned(), 0.95));
    }
    if let Some(word) = caps.name("word") {
        let word = word.as_str().to_lowercase();
        let code = match word.trim_end_matches('s') {
            "dollar" | "buck" => dollar(region),
            "usd" => "USD",
            "euro" => "EUR",
            "quid" => "GBP",
            "peso" => peso(region),
            "yen" => "JPY",
            "yuan" => "CNY",
            "rupee" => "INR",
            "naira" => "NGN",
            "reai" => "BRL",
            "ruble" | "rouble" => "RUB",
            "baht" => "THB",
            _ => return None,
        };
        return Some((code.to_owned(), 0.9));
    }
    if let Some(unit) = caps.name("unit") {
        let unit = unit.as_str().to_lowercase();
        return Some(if unit.starts_with("kiss") {
            ("kisses".to_owned(), 0.6)
        } else if unit.starts_with("donation") {
            ("donations".to_owned(), 0.8)
        } else {
            ("roses".to_owned(), 0.85)
        });
    }
    Some((String::new(), 0.75))
}

fn symbol_code(symbol: &str, region: &str) -> &'static str {
    match symbol {
        "$" => dollar(region),
        "US$" => "USD",
        "C$" | "CA$" => "CAD",
        "A$" | "AU$" => "AUD",
        "MX$" => "MXN",
        "HK$" => "HKD",
        "NZ$" => "NZD",
        "S$" => "SGD",
        "R$" => "BRL",
        "€" => "EUR",
        "£" => "GBP",
        "¥" if region == "CN" => "CNY",
        "¥" => "JPY",
        "₹" => "INR",
        "₱" => "PHP",
        "₦" => "NGN",
        "₩" => "KRW",
        "₽" => "RUB",
        "₺" => "TRY",
        "₫" => "VND",
        "฿" => "THB",
        "₴" => "UAH",
        "₪" => "ILS",
        "₵" => "GHS",
        "₡" => "CRC",
        "₲" => "PYG",
        _ => "roses",
    }
}

/// What "$" and "dollars" mean where the text was written.
fn dollar(region: &str) -> &'static str {
    match region {
        "CA" => "CAD",
        "AU" => "AUD",
        "NZ" => "NZD",
        "MX" => "MXN",
        "HK" => "HKD",
        "SG" => "SGD",
        "CO" => "COP",
        "AR" => "ARS",
        "CL" => "CLP",
        _ => "USD",
    }
}

/// The currency of a bare price ("80hh") where the text was written.
fn local(region: &str) -> &'static str {
    match region {
        "GB" => "GBP",
        "AT" | "BE" | "CY" | "DE" | "EE" | "ES" | "FI" | "FR" | "GR" | "HR" | "IE" | "IT"
        | "LT" | "LU" | "LV" | "MT" | "NL" | "PT" | "SI" | "SK" => "EUR",
        "IN" => "INR",
        "PH" => "PHP",
        "NG" => "NGN",
        "TH" => "THB",
        "JP" => "JPY",
        "CN" => "CNY",
        "KR" => "KRW",
        "RU" => "RUB",
        "UA" => "UAH",
        "BR" => "BRL",
        "ZA" => "ZAR",
        "KE" => "KES",
        "GH" => "GHS",
        _ => dollar(region),
    }
}

fn peso(region: &str) -> &'static str {
    match region {
        "PH" => "PHP",
        "CO" => "COP",
        "AR" => "ARS",
        "CL" => "CLP",
        "DO" => "DOP",
        "UY" => "UYU",
        "CU" => "CUP",
        _ => "MXN",
    }
}

fn period(unit: &str) -> Option<&'static str> {
    let unit: String = unit
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    Some(match unit.as_str() {
        "hh" | "hhr" | "halfhour" | "halfahour" | "halfanhour" | "30min" | "30mins"
        | "30minute" | "30minutes" => "half hour",
        "hr" | "hour" | "h" | "fullhour" | "fh" | "1hr" | "60min" | "60mins" | "60minute"
        | "60minutes" => "hour",
        "qv" | "qk" | "quickvisit" => "quick visit",
        "ov" | "overnight" | "on" | "night" => "overnight",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    type Price = (String, f64, String, Option<String>);

    fn run_in(text: &str, region: Option<&str>) -> Vec<Price> {
        let context = Context {
            default_region: region.map(str::to_owned),
            ..Context::default()
        };
        finds(find, text, &context)
            .into_iter()
            .map(|f| match f.normalized {
                Normalized::Money {
                    amount,
                    currency,
                    per,
                } => (text[f.span].to_owned(), amount, currency, per),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    fn run(text: &str) -> Vec<Price> {
        run_in(text, None)
    }

    fn price(span: &str, amount: f64, currency: &str, per: Option<&str>) -> Price {
        (
            span.to_owned(),
            amount,
            currency.to_owned(),
            per.map(str::to_owned),
        )
    }

    #[test]
    fn symbols_codes_and_words() {
        assert_eq!(run("only $200 today"), [price("$200", 200.0, "USD", None)]);
        assert_eq!(
            run("€1,500 or 1.500€"),
            [
                price("€1,500", 1500.0, "EUR", None),
                price("1.500€", 1500.0, "EUR", None)
            ]
        );
        assert_eq!(run("200 USD"), [price("200 USD", 200.0, "USD", None)]);
        assert_eq!(run("MXN 850.50"), [price("MXN 850.50", 850.5, "MXN", None)]);
        assert_eq!(
            run("300 dollars"),
            [price("300 dollars", 300.0, "USD", None)]
        );
        assert_eq!(run("50 bucks"), [price("50 bucks", 50.0, "USD", None)]);
        assert_eq!(run("500 pesos"), [price("500 pesos", 500.0, "MXN", None)]);
        assert_eq!(run("£40"), [price("£40", 40.0, "GBP", None)]);
        assert_eq!(
            run("₦5000 and ₱1,000"),
            [
                price("₦5000", 5000.0, "NGN", None),
                price("₱1,000", 1000.0, "PHP", None)
            ]
        );
        assert_eq!(run("1,50 €"), [price("1,50 €", 1.5, "EUR", None)]);
        assert_eq!(run("paid $5k"), [price("$5k", 5000.0, "USD", None)]);
        assert_eq!(
            run("owes 10K USD"),
            [price("10K USD", 10_000.0, "USD", None)]
        );
    }

    #[test]
    fn region_decides_the_dollar() {
        assert_eq!(
            run_in("$200", Some("CA")),
            [price("$200", 200.0, "CAD", None)]
        );
        assert_eq!(
            run_in("500 pesos", Some("PH")),
            [price("500 pesos", 500.0, "PHP", None)]
        );
        assert_eq!(
            run_in("US$200", Some("MX")),
            [price("US$200", 200.0, "USD", None)]
        );
    }

    #[test]
    fn code_units() {
        assert_eq!(run("150 roses"), [price("150 roses", 150.0, "roses", None)]);
        assert_eq!(
            run("🌹🌹150 hh"),
            [price("🌹🌹150 hh", 150.0, "roses", Some("half hour"))]
        );
        assert_eq!(run("200🌹"), [price("200🌹", 200.0, "roses", None)]);
        assert_eq!(
            run("200 donation"),
            [price("200 donation", 200.0, "donations", None)]
        );
        assert_eq!(
            run("100 kisses"),
            [price("100 kisses", 100.0, "kisses", None)]
        );
    }

    #[test]
    fn rates() {
        assert_eq!(
            run("$150/hr"),
            [price("$150/hr", 150.0, "USD", Some("hour"))]
        );
        assert_eq!(run("80hh"), [price("80hh", 80.0, "USD", Some("half hour"))]);
        assert_eq!(
            run("120hh 200hr"),
            [
                price("120hh", 120.0, "USD", Some("half hour")),
                price("200hr", 200.0, "USD", Some("hour"))
            ]
        );
        assert_eq!(
            run("$250 per hour"),
            [price("$250 per hour", 250.0, "USD", Some("hour"))]
        );
        assert_eq!(
            run("$100 an hour"),
            [price("$100 an hour", 100.0, "USD", Some("hour"))]
        );
        assert_eq!(
            run("80 qv"),
            [price("80 qv", 80.0, "USD", Some("quick visit"))]
        );
        assert_eq!(
            run("1000 ov"),
            [price("1000 ov", 1000.0, "USD", Some("overnight"))]
        );
        assert_eq!(
            run("150 roses/hr"),
            [price("150 roses/hr", 150.0, "roses", Some("hour"))]
        );
        assert_eq!(
            run("€80/30min"),
            [price("€80/30min", 80.0, "EUR", Some("half hour"))]
        );
        assert_eq!(
            run("200 full hour"),
            [price("200 full hour", 200.0, "USD", Some("hour"))]
        );
        assert_eq!(run("40/h"), [price("40/h", 40.0, "USD", Some("hour"))]);
    }

    #[test]
    fn rate_labels_before_amounts() {
        assert_eq!(
            run("QV 80 | HH 120 | H 200"),
            [
                price("QV 80", 80.0, "USD", Some("quick visit")),
                price("HH 120", 120.0, "USD", Some("half hour")),
                price("H 200", 200.0, "USD", Some("hour"))
            ]
        );
        assert_eq!(
            run("hh: $150"),
            [price("hh: $150", 150.0, "USD", Some("half hour"))]
        );
    }

    #[test]
    fn not_money() {
        for text in [
            "call 555-1234",
            "she is 19yo",
            "9mm pistol",
            "meet at 5pm",
            "open 24hr",
            "1.5, 2.5",
            "ran a 5k",
            "2 hours",
            "5'4 120 pounds",
            "room 212",
            "x1000hh",
            "3.14159hh",
            "10:30hh",
            "2 h 30 min",
        ] {
            assert!(run(text).is_empty(), "{text}: {:?}", run(text));
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "$",
            "🌹",
            "$₹€",
            "é́$5",
            "k$k",
            "hh hh hh",
            "$99999999999999999999999",
        ] {
            run(text);
        }
        assert_eq!(run("é́ $5 🌹").len(), 1);
        run(&"9".repeat(100_000));
        run(&"$1,".repeat(30_000));
        run(&"x".repeat(100_000));
    }
}
