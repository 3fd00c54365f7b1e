//! Access expressions, the labels that guard records and fields: `LE&(VICTIM_PII|CASEWORK)`.
//!
//! This crate owns the Accumulo access-expression grammar: [`AccessExpression::parse`] reads a
//! label (tokens of `A-Z a-z 0-9 _ - . : /` or quoted strings with `\"` and `\\` escapes, `&`,
//! `|` and parentheses; mixing `&` and `|` needs parentheses; the empty expression is visible to
//! all) and [`AccessExpression::is_accessible`] evaluates it against a set of
//! [`Authorizations`]. For hot paths, [`CompiledExpression`] is the same label compiled to
//! bitsets over authorizations interned by an [`Interner`], checked against a user's
//! [`PrivilegeKey`] without allocating or hashing. It must not know storage or HTTP.
#![warn(missing_docs)]

mod compiled;
mod error;
mod expression;

pub use compiled::{CompiledExpression, Interner, PrivilegeKey};
pub use error::ParseError;
pub use expression::{AccessExpression, Authorizations};
