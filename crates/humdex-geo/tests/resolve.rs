//! Place resolution against the embedded gazetteer.

use std::ops::Range;

use humdex_geo::{Gazetteer, PlaceKind, Resolved};

/// The byte span of the `nth` occurrence of `needle`, as the model would tag it.
fn span(text: &str, needle: &str, nth: usize) -> Range<usize> {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .map_or(usize::MAX, |(i, _)| i);
    start..start.saturating_add(needle.len())
}

/// Resolves `text` with the given model mentions and renders each result as "text=name,country,admin1".
fn resolve(text: &str, tagged: &[&str]) -> Vec<String> {
    let mentions: Vec<_> = tagged.iter().map(|t| span(text, t, 0)).collect();
    Gazetteer::embedded()
        .resolve(text, &mentions)
        .iter()
        .map(|r| render(text, r))
        .collect()
}

fn render(text: &str, r: &Resolved) -> String {
    let model = if r.from_model { "" } else { "?" };
    let admin1 = r.admin1.as_deref().unwrap_or("-");
    format!(
        "{model}{}={},{},{admin1}",
        &text[r.span.clone()],
        r.place.name,
        r.place.country
    )
}

#[test]
fn houston_is_in_texas() {
    assert_eq!(
        resolve("We met in Houston.", &["Houston"]),
        ["Houston=Houston,US,TX"]
    );
}

#[test]
fn a_state_after_a_comma_picks_the_place_in_it() {
    assert_eq!(
        resolve("Houston, TX vs Paris, TX", &["Houston", "Paris"]),
        [
            "Houston=Houston,US,TX",
            "?TX=Texas,US,TX",
            "Paris=Paris,US,TX",
            "?TX=Texas,US,TX"
        ]
    );
    assert_eq!(
        resolve("Springfield, IL", &["Springfield"]),
        ["Springfield=Springfield,US,IL", "?IL=Illinois,US,IL"]
    );
    assert_eq!(
        resolve(
            "Portland, Maine and Portland, OR",
            &["Portland, Maine", "Portland, OR"]
        ),
        [
            "Portland, Maine=Portland,US,ME",
            "Portland, OR=Portland,US,OR"
        ]
    );
    assert_eq!(
        resolve("Paris, Texas", &["Paris", "Texas"]),
        ["Paris=Paris,US,TX", "Texas=Texas,US,TX"]
    );
    assert_eq!(
        resolve("Lagos, Nigeria", &[]),
        ["?Lagos=Lagos,NG,05", "?Nigeria=Nigeria,NG,-"]
    );
}

#[test]
fn the_largest_place_wins_alone() {
    assert_eq!(resolve("Paris", &["Paris"]), ["Paris=Paris,FR,11"]);
    assert_eq!(
        resolve("flights to Manila", &["Manila"]),
        ["Manila=Manila,PH,NCR"]
    );
    assert_eq!(
        resolve("she came from Lagos", &["Lagos"]),
        ["Lagos=Lagos,NG,05"]
    );
}

#[test]
fn countries_and_states_resolve() {
    let text = "moved from Mexico to Texas (TX)";
    let found =
        Gazetteer::embedded().resolve(text, &[span(text, "Mexico", 0), span(text, "TX", 0)]);
    let kinds: Vec<_> = found
        .iter()
        .map(|r| (r.place.name.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Mexico", PlaceKind::Country),
            ("Texas", PlaceKind::State),
            ("Texas", PlaceKind::State)
        ]
    );
    let mexico = &found[0].place;
    // Mexico City, the capital, is the country's point.
    assert!(
        (mexico.lat - 19.43).abs() < 0.1 && (mexico.lon + 99.13).abs() < 0.1,
        "{mexico:?}"
    );
}

#[test]
fn diacritics_fold() {
    assert_eq!(resolve("Łódź", &["Łódź"]), ["Łódź=Łódź,PL,74"]);
    assert_eq!(resolve("Lodz", &["Lodz"]), ["Lodz=Łódź,PL,74"]);
    assert_eq!(
        resolve("St. Louis", &["St. Louis"]),
        ["St. Louis=St. Louis,US,MO"]
    );
}

#[test]
fn common_words_need_the_model() {
    assert_eq!(resolve("I was Reading a book", &[]), Vec::<String>::new());
    assert_eq!(
        resolve("We drove to Reading", &["Reading"]),
        ["Reading=Reading,GB,ENG"]
    );
    assert_eq!(
        resolve("Mobile service only, Nice and Bath", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        resolve("may the police at the university of Independence", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        resolve("Victoria is here, call Victoria", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        resolve("Reading, PA", &[]),
        ["?Reading=Reading,US,PA", "?PA=Pennsylvania,US,PA"]
    );
}

#[test]
fn the_scan_finds_lower_case_places() {
    assert_eq!(
        resolve("new in houston tonight", &[]),
        ["?houston=Houston,US,TX"]
    );
    assert_eq!(
        resolve("NEW IN DALLAS TX!!", &[]),
        ["?DALLAS=Dallas,US,TX", "?TX=Texas,US,TX"]
    );
    assert_eq!(
        resolve("just arrived in austin", &[]),
        ["?austin=Austin,US,TX"]
    );
    assert_eq!(
        resolve("mail houston@example.com", &[]),
        Vec::<String>::new()
    );
}

#[test]
fn context_prefers_places_in_the_same_country() {
    let found = resolve(
        "From Atlanta we drove to Georgia's coast and on to Savannah",
        &["Atlanta", "Georgia"],
    );
    assert_eq!(
        found,
        [
            "Atlanta=Atlanta,US,GA",
            "Georgia=Georgia,US,GA",
            "?Savannah=Savannah,US,GA"
        ]
    );
}

#[test]
fn odd_input_does_not_panic() {
    let gazetteer = Gazetteer::embedded();
    let texts = [
        "",
        " ",
        "Ł",
        "日本 東京 Paris,",
        "St.",
        "D.C.",
        ",,,",
        "a\u{301}",
        "Paris, ",
        "\u{200b}Houston",
    ];
    for text in texts {
        let spans = [
            0..text.len(),
            1..2,
            Range { start: 5, end: 3 },
            0..usize::MAX,
            text.len()..text.len(),
        ];
        let _ = gazetteer.resolve(text, &spans);
    }
    assert!(gazetteer.resolve(&"Paris, ".repeat(1000), &[]).len() >= 1000);
}

#[test]
fn confidence_is_a_share() {
    let found =
        Gazetteer::embedded().resolve("Springfield", &[span("Springfield", "Springfield", 0)]);
    let confidence = found.first().map_or(0.0, |r| r.confidence);
    assert!(confidence > 0.0 && confidence < 0.9, "{confidence}");
}

#[test]
fn a_qualifying_region_is_reported_with_its_place() {
    assert_eq!(
        resolve("Athens, Georgia, USA", &[]),
        [
            "?Athens=Athens,US,GA",
            "?Georgia=Georgia,US,GA",
            "?USA=United States,US,-"
        ]
    );
    assert_eq!(resolve("call Georgia now", &[]), Vec::<String>::new());
}
