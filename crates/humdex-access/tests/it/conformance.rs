use humdex_access::{AccessExpression, Authorizations, CompiledExpression, Interner};
use serde_json::Value;

#[test]
fn every_apache_conformance_case_passes() {
    let cases: Value =
        serde_json::from_str(include_str!("../data/accumulo-access-testdata.json")).unwrap();
    let mut checked = 0;
    for case in cases.as_array().unwrap() {
        let description = case["description"].as_str().unwrap();
        let sets: Vec<Vec<&str>> = case["auths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|set| {
                set.as_array()
                    .unwrap()
                    .iter()
                    .map(|auth| auth.as_str().unwrap())
                    .collect()
            })
            .collect();
        for test in case["tests"].as_array().unwrap() {
            let expected = test["expectedResult"].as_str().unwrap();
            for text in test["expressions"].as_array().unwrap() {
                let text = text.as_str().unwrap();
                let parsed = AccessExpression::parse(text);
                checked += 1;
                if expected == "ERROR" {
                    assert!(parsed.is_err(), "{description}: {text:?} should not parse");
                    continue;
                }
                let expression =
                    parsed.unwrap_or_else(|error| panic!("{description}: {text:?}: {error}"));
                let mut interner = Interner::new();
                let compiled = CompiledExpression::compile(&expression, &mut interner);
                // With several authorization sets, an expression is accessible when every set satisfies it.
                let interpreted = sets.iter().all(|set| {
                    expression.is_accessible(&set.iter().copied().collect::<Authorizations>())
                });
                let by_bits = sets
                    .iter()
                    .all(|set| compiled.is_accessible(&interner.key(set.iter().copied())));
                assert_eq!(
                    interpreted,
                    expected == "ACCESSIBLE",
                    "{description}: {text:?}"
                );
                assert_eq!(by_bits, interpreted, "{description}: {text:?} compiled");
                let reparsed = AccessExpression::parse(&expression.to_string()).unwrap();
                assert_eq!(
                    reparsed, expression,
                    "{description}: {text:?} printed as {expression}"
                );
            }
        }
    }
    assert!(checked > 200, "only {checked} cases were read");
}
