use std::collections::BTreeSet;

use humdex_access::{AccessExpression, Authorizations, CompiledExpression, Interner};
use proptest::prelude::*;

/// A model expression: what the label means, independent of how it is written.
#[derive(Debug, Clone)]
enum Model {
    Token(String),
    And(Vec<Model>),
    Or(Vec<Model>),
}

impl Model {
    fn holds(&self, authorizations: &BTreeSet<String>) -> bool {
        match self {
            Model::Token(token) => authorizations.contains(token),
            Model::And(operands) => operands.iter().all(|operand| operand.holds(authorizations)),
            Model::Or(operands) => operands.iter().any(|operand| operand.holds(authorizations)),
        }
    }

    /// Writes the model as a label, quoting some tokens and parenthesising every group.
    fn write(&self, quote: bool) -> String {
        match self {
            Model::Token(token) if quote || token.contains(['#', ' ', '"', '\\']) => {
                format!("\"{}\"", token.replace('\\', "\\\\").replace('"', "\\\""))
            }
            Model::Token(token) => token.clone(),
            Model::And(operands) => group(operands, "&", quote),
            Model::Or(operands) => group(operands, "|", quote),
        }
    }
}

fn group(operands: &[Model], operator: &str, quote: bool) -> String {
    operands
        .iter()
        .map(|operand| format!("({})", operand.write(quote)))
        .collect::<Vec<_>>()
        .join(operator)
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("LE".to_owned()),
        Just("CASEWORK".to_owned()),
        Just("VICTIM_PII".to_owned()),
        "[a-z0-9_.:/-]{1,4}",
        "[a-z# \"\\\\]{1,3}"
    ]
}

fn model() -> impl Strategy<Value = Model> {
    token()
        .prop_map(Model::Token)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Model::And),
                proptest::collection::vec(inner, 2..4).prop_map(Model::Or),
            ]
        })
}

proptest! {
    #[test]
    fn parsing_compiling_and_evaluating_agree_with_the_model(
        model in model(),
        quote in any::<bool>(),
        held in proptest::collection::btree_set(token(), 0..6),
    ) {
        let text = model.write(quote);
        let expression = AccessExpression::parse(&text).unwrap();
        let expected = model.holds(&held);
        let authorizations: Authorizations = held.iter().cloned().collect();
        prop_assert_eq!(expression.is_accessible(&authorizations), expected, "{}", text);
        let mut interner = Interner::new();
        let compiled = CompiledExpression::compile(&expression, &mut interner);
        prop_assert_eq!(compiled.is_accessible(&interner.key(held.iter().map(String::as_str))), expected, "{}", text);
        prop_assert_eq!(AccessExpression::parse(&expression.to_string()).unwrap(), expression);
    }
}
