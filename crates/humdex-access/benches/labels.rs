//! How long one label check takes: our compiled bitset check and our tree evaluation beside the
//! `accumulo-access` crate, on the same labels and the same user, in one run.
//!
//! `cargo bench -p humdex-access --bench labels`
#![expect(clippy::unwrap_used, reason = "a bench on fixed labels fails loudly")]

use std::collections::HashSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use humdex_access::{AccessExpression, Authorizations, CompiledExpression, Interner};

/// Labels as an agency writes them: a field guard, a record guard, and a wide one.
const LABELS: [&str; 3] = [
    "LE&(VICTIM_PII|CASEWORK)",
    "(LE&CASEWORK)|(NGO&\"CASE-7\")|SUPERVISOR",
    "(A1|A2|A3|A4)&(B1|B2|B3)&(C1|C2)&(LE|NGO)&\"ORG:unodc/ht\"",
];
const USER: [&str; 6] = ["LE", "CASEWORK", "A3", "B2", "C1", "ORG:unodc/ht"];

fn labels(c: &mut Criterion) {
    let user: Authorizations = USER.into_iter().collect();
    let user_tokens: Vec<String> = USER.iter().map(|auth| (*auth).to_owned()).collect();
    let user_set: HashSet<String> = user_tokens.iter().cloned().collect();
    let mut interner = Interner::new();
    for (index, label) in LABELS.iter().enumerate() {
        let expression = AccessExpression::parse(label).unwrap();
        let compiled = CompiledExpression::compile(&expression, &mut interner);
        let key = interner.key(USER);
        let peer = accumulo_access::Parser::new(accumulo_access::Lexer::new(label))
            .parse()
            .unwrap();
        // Every contender must give the same verdict, or the timing means nothing.
        let verdict = expression.is_accessible(&user);
        assert_eq!(compiled.is_accessible(&key), verdict);
        assert_eq!(peer.evaluate(&user_set), verdict);
        assert_eq!(
            accumulo_access::check_authorization(label, &user_tokens).unwrap(),
            verdict
        );

        let mut group = c.benchmark_group(format!("label {index}"));
        group.bench_function("humdex compiled bitset", |b| {
            b.iter(|| black_box(&compiled).is_accessible(black_box(&key)))
        });
        group.bench_function("humdex parsed tree", |b| {
            b.iter(|| black_box(&expression).is_accessible(black_box(&user)))
        });
        group.bench_function("accumulo-access parsed", |b| {
            b.iter(|| black_box(&peer).evaluate(black_box(&user_set)))
        });
        group.bench_function("accumulo-access check_authorization", |b| {
            b.iter(|| {
                accumulo_access::check_authorization(black_box(label), black_box(&user_tokens))
            })
        });
        group.finish();
    }
}

criterion_group!(benches, labels);
criterion_main!(benches);
