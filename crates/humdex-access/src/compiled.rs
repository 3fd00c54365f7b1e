//! Labels compiled to bitsets: each authorization gets a bit, a user's authorizations become a
//! [`PrivilegeKey`], and a check is a few word-wide ANDs instead of string lookups in a tree.

use std::collections::HashMap;

use crate::AccessExpression;
use crate::expression::Node;

/// Gives each authorization a bit number, once.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    bits: HashMap<String, usize>,
}

impl Interner {
    /// An interner that knows no authorization yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bit of `authorization`, given one if it had none.
    pub fn intern(&mut self, authorization: &str) -> usize {
        let next = self.bits.len();
        *self.bits.entry(authorization.to_owned()).or_insert(next)
    }

    /// The key of a user holding `authorizations`. Authorizations no compiled label names need no
    /// bit: leaving them out changes no verdict.
    pub fn key<'a>(&self, authorizations: impl IntoIterator<Item = &'a str>) -> PrivilegeKey {
        let mut key = Bits::default();
        for bit in authorizations
            .into_iter()
            .filter_map(|authorization| self.bits.get(authorization))
        {
            key.set(*bit);
        }
        PrivilegeKey(key)
    }
}

/// A growable set of bits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn one(bit: usize) -> Self {
        let mut bits = Self::default();
        bits.set(bit);
        bits
    }

    fn set(&mut self, bit: usize) {
        let word = bit / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(slot) = self.0.get_mut(word) {
            *slot |= 1 << (bit % 64);
        }
    }

    /// Whether `key` has every bit of `self`.
    fn all_in(&self, key: &Bits) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(index, mask)| key.0.get(index).copied().unwrap_or(0) & mask == *mask)
    }

    /// Whether `key` has any bit of `self`.
    fn any_in(&self, key: &Bits) -> bool {
        self.0
            .iter()
            .zip(&key.0)
            .any(|(mask, word)| mask & word != 0)
    }
}

/// A user's authorizations as bits of an [`Interner`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivilegeKey(Bits);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    /// Every bit of the mask: a conjunction of plain authorizations.
    All(Bits),
    /// Any bit of the mask: a disjunction of plain authorizations.
    Any(Bits),
    And(Vec<Check>),
    Or(Vec<Check>),
}

impl Check {
    fn compile(node: &Node, interner: &mut Interner) -> Self {
        match node {
            Node::Token(token) => Self::All(Bits::one(interner.intern(token))),
            Node::And(operands) | Node::Or(operands) => {
                let conjunction = matches!(node, Node::And(_));
                // Plain authorizations fold into one mask; only nested groups stay a tree.
                let mut mask = Bits::default();
                let mut nested = Vec::new();
                for operand in operands {
                    match operand {
                        Node::Token(token) => mask.set(interner.intern(token)),
                        group => nested.push(Self::compile(group, interner)),
                    }
                }
                let folded = if conjunction {
                    Self::All(mask)
                } else {
                    Self::Any(mask)
                };
                match (folded, nested.is_empty()) {
                    (folded, true) => folded,
                    (Self::All(mask) | Self::Any(mask), false) if mask.0.is_empty() => {
                        if conjunction {
                            Self::And(nested)
                        } else {
                            Self::Or(nested)
                        }
                    }
                    (folded, false) => {
                        nested.insert(0, folded);
                        if conjunction {
                            Self::And(nested)
                        } else {
                            Self::Or(nested)
                        }
                    }
                }
            }
        }
    }

    fn passes(&self, key: &Bits) -> bool {
        match self {
            Self::All(mask) => mask.all_in(key),
            Self::Any(mask) => mask.any_in(key),
            Self::And(checks) => checks.iter().all(|check| check.passes(key)),
            Self::Or(checks) => checks.iter().any(|check| check.passes(key)),
        }
    }
}

/// An access expression compiled against an [`Interner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledExpression(Option<Check>);

impl CompiledExpression {
    /// Compiles `expression`, giving its authorizations bits in `interner`.
    pub fn compile(expression: &AccessExpression, interner: &mut Interner) -> Self {
        Self(
            expression
                .root
                .as_ref()
                .map(|root| Check::compile(root, interner)),
        )
    }

    /// Whether a user with `key` satisfies the expression. The key must come from the interner
    /// the expression was compiled with.
    pub fn is_accessible(&self, key: &PrivilegeKey) -> bool {
        self.0.as_ref().is_none_or(|check| check.passes(&key.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_groups_fold_into_one_mask() {
        let mut interner = Interner::new();
        let label = AccessExpression::parse("LE&CASEWORK&NGO").unwrap();
        let compiled = CompiledExpression::compile(&label, &mut interner);
        assert!(matches!(compiled.0, Some(Check::All(_))));
        assert!(compiled.is_accessible(&interner.key(["NGO", "LE", "CASEWORK", "OTHER"])));
        assert!(!compiled.is_accessible(&interner.key(["NGO", "LE"])));
    }

    #[test]
    fn works_past_one_word_of_bits() {
        let mut interner = Interner::new();
        let names: Vec<String> = (0..200).map(|n| format!("A{n}")).collect();
        for name in &names {
            interner.intern(name);
        }
        let label = AccessExpression::parse("(A3|A150)&A199").unwrap();
        let compiled = CompiledExpression::compile(&label, &mut interner);
        assert!(compiled.is_accessible(&interner.key(["A150", "A199"])));
        assert!(!compiled.is_accessible(&interner.key(["A150"])));
        assert!(!compiled.is_accessible(&interner.key(["A199", "A4"])));
        assert!(
            CompiledExpression::compile(&AccessExpression::parse("").unwrap(), &mut interner)
                .is_accessible(&PrivilegeKey::default())
        );
    }
}
