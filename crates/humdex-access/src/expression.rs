//! The grammar, as in Apache Accumulo:
//!
//! ```text
//! expression      = [ and-expression / or-expression ]
//! and-expression  = operand *( "&" operand )
//! or-expression   = operand *( "|" operand )
//! operand         = token / quoted / "(" ( and-expression / or-expression ) ")"
//! token           = 1*( ALPHA / DIGIT / "_" / "-" / "." / ":" / "/" )
//! quoted          = DQUOTE 1*( escaped / unescaped ) DQUOTE   ; escaped = "\" ( DQUOTE / "\" )
//! ```

use std::collections::BTreeSet;
use std::fmt;

use crate::ParseError;

/// A node of a parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// One authorization.
    Token(String),
    /// All of these.
    And(Vec<Node>),
    /// Any of these.
    Or(Vec<Node>),
}

/// A parsed access expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessExpression {
    /// `None` for the empty expression, which everyone satisfies.
    pub(crate) root: Option<Node>,
}

/// A set of authorizations, such as a user's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authorizations(BTreeSet<String>);

impl Authorizations {
    /// Whether the set holds `authorization`.
    pub fn contains(&self, authorization: &str) -> bool {
        self.0.contains(authorization)
    }
}

impl<S: Into<String>> FromIterator<S> for Authorizations {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self(iter.into_iter().map(Into::into).collect())
    }
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b':' | b'/')
}

struct Parser<'a> {
    text: &'a str,
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn error<T>(&self, message: &'static str) -> Result<T, ParseError> {
        Err(ParseError {
            position: self.position,
            message,
        })
    }

    /// An and- or or-expression, up to a closing parenthesis or the end.
    fn group(&mut self) -> Result<Node, ParseError> {
        let first = self.operand()?;
        let operator = match self.peek() {
            Some(operator @ (b'&' | b'|')) => operator,
            _ => return Ok(first),
        };
        let mut operands = vec![first];
        while self.peek() == Some(operator) {
            self.position += 1;
            operands.push(self.operand()?);
        }
        match self.peek() {
            Some(b'&' | b'|') => self.error("mixing & and | needs parentheses"),
            _ => Ok(if operator == b'&' {
                Node::And(operands)
            } else {
                Node::Or(operands)
            }),
        }
    }

    fn operand(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some(b'(') => {
                self.position += 1;
                let inner = self.group()?;
                if self.peek() != Some(b')') {
                    return self.error("expected & or | or a closing parenthesis");
                }
                self.position += 1;
                Ok(inner)
            }
            Some(b'"') => self.quoted(),
            Some(byte) if is_token_byte(byte) => {
                let start = self.position;
                while self.peek().is_some_and(is_token_byte) {
                    self.position += 1;
                }
                Ok(Node::Token(
                    self.text
                        .get(start..self.position)
                        .unwrap_or_default()
                        .to_owned(),
                ))
            }
            Some(_) => self.error("expected an authorization or an opening parenthesis"),
            None => self.error("the expression ends where an authorization was expected"),
        }
    }

    fn quoted(&mut self) -> Result<Node, ParseError> {
        let start = self.position;
        self.position += 1;
        let mut token = String::new();
        let mut characters = self
            .text
            .get(self.position..)
            .unwrap_or_default()
            .char_indices();
        while let Some((offset, character)) = characters.next() {
            match character {
                '"' => {
                    self.position += offset + 1;
                    if token.is_empty() {
                        return Err(ParseError {
                            position: start,
                            message: "a quoted authorization is empty",
                        });
                    }
                    return Ok(Node::Token(token));
                }
                '\\' => match characters.next() {
                    Some((_, escaped @ ('"' | '\\'))) => token.push(escaped),
                    _ => {
                        self.position += offset;
                        return self.error("only \\\" and \\\\ may be escaped");
                    }
                },
                other => token.push(other),
            }
        }
        Err(ParseError {
            position: start,
            message: "a quoted authorization is not closed",
        })
    }
}

impl AccessExpression {
    /// Parses a label.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.is_empty() {
            return Ok(Self { root: None });
        }
        let mut parser = Parser { text, position: 0 };
        let root = parser.group()?;
        if parser.position != text.len() {
            return parser.error("expected & or | or the end of the expression");
        }
        Ok(Self { root: Some(root) })
    }

    /// Whether `authorizations` satisfy the expression.
    pub fn is_accessible(&self, authorizations: &Authorizations) -> bool {
        fn check(node: &Node, authorizations: &Authorizations) -> bool {
            match node {
                Node::Token(token) => authorizations.contains(token),
                Node::And(operands) => operands
                    .iter()
                    .all(|operand| check(operand, authorizations)),
                Node::Or(operands) => operands
                    .iter()
                    .any(|operand| check(operand, authorizations)),
            }
        }
        self.root
            .as_ref()
            .is_none_or(|root| check(root, authorizations))
    }

    /// Every authorization the expression names.
    pub fn authorizations(&self) -> BTreeSet<&str> {
        fn collect<'a>(node: &'a Node, into: &mut BTreeSet<&'a str>) {
            match node {
                Node::Token(token) => {
                    into.insert(token);
                }
                Node::And(operands) | Node::Or(operands) => {
                    operands.iter().for_each(|operand| collect(operand, into))
                }
            }
        }
        let mut tokens = BTreeSet::new();
        if let Some(root) = &self.root {
            collect(root, &mut tokens);
        }
        tokens
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (operands, operator) = match self {
            Node::Token(token) if !token.is_empty() && token.bytes().all(is_token_byte) => {
                return f.write_str(token);
            }
            Node::Token(token) => {
                return write!(
                    f,
                    "\"{}\"",
                    token.replace('\\', "\\\\").replace('"', "\\\"")
                );
            }
            Node::And(operands) => (operands, "&"),
            Node::Or(operands) => (operands, "|"),
        };
        for (index, operand) in operands.iter().enumerate() {
            if index > 0 {
                f.write_str(operator)?;
            }
            match operand {
                Node::Token(_) => write!(f, "{operand}")?,
                _ => write!(f, "({operand})")?,
            }
        }
        Ok(())
    }
}

/// Writes the expression in a form [`AccessExpression::parse`] reads back to the same expression.
impl fmt::Display for AccessExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            Some(root) => root.fmt(f),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_position() {
        let error = AccessExpression::parse("LE&CASEWORK|NGO").unwrap_err();
        assert_eq!(error.position, 11);
        assert_eq!(error.message, "mixing & and | needs parentheses");
        assert_eq!(AccessExpression::parse("LE&(A|").unwrap_err().position, 6);
        assert_eq!(AccessExpression::parse("\"A\\c\"").unwrap_err().position, 2);
        assert_eq!(AccessExpression::parse("LE)").unwrap_err().position, 2);
    }

    #[test]
    fn evaluates_nested_labels() {
        let label = AccessExpression::parse("LE&(VICTIM_PII|CASEWORK)").unwrap();
        assert!(label.is_accessible(&["LE", "CASEWORK"].into_iter().collect()));
        assert!(!label.is_accessible(&["LE"].into_iter().collect()));
        assert!(!label.is_accessible(&["CASEWORK", "VICTIM_PII"].into_iter().collect()));
        assert_eq!(label.to_string(), "LE&(VICTIM_PII|CASEWORK)");
        assert_eq!(
            label.authorizations().into_iter().collect::<Vec<_>>(),
            ["CASEWORK", "LE", "VICTIM_PII"]
        );
    }
}
