//! Labels: the access expressions that guard records, fields and attachments.

use std::fmt;
use std::str::FromStr;

use humdex_access::{AccessExpression, Authorizations, ParseError};
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// The longest label accepted: longer ones are a mistake, not a policy.
const MAX_LABEL: usize = 1024;

/// An access expression (Accumulo syntax, such as `LE&(VICTIM_PII|CASEWORK)`) that a reader's
/// authorizations must satisfy. It is parsed when read, so a label that exists is valid.
#[derive(Debug, Clone)]
pub struct Label {
    text: String,
    expression: AccessExpression,
}

impl Label {
    /// Parses `text`; the empty expression is refused (a missing label says "no restriction").
    pub fn parse(text: &str) -> Result<Self, LabelError> {
        if text.trim().is_empty() {
            return Err(LabelError::Empty);
        }
        if text.len() > MAX_LABEL {
            return Err(LabelError::TooLong);
        }
        let expression = AccessExpression::parse(text)?;
        Ok(Self {
            text: text.to_owned(),
            expression,
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `authorizations` satisfy the label.
    pub fn is_satisfied_by(&self, authorizations: &Authorizations) -> bool {
        self.expression.is_accessible(authorizations)
    }

    /// The label guarding something inside something else (a field of a record, a feature of
    /// a layer): a reader must satisfy both. `None` when neither is labelled.
    pub fn both(outer: Option<&Label>, inner: Option<&Label>) -> Result<Option<Label>, LabelError> {
        match (outer, inner) {
            (None, None) => Ok(None),
            (Some(label), None) | (None, Some(label)) => Ok(Some(label.clone())),
            (Some(outer), Some(inner)) => {
                Label::parse(&format!("({})&({})", outer.text, inner.text)).map(Some)
            }
        }
    }

    /// Every authorization the label names.
    pub fn authorizations(&self) -> impl Iterator<Item = &str> {
        self.expression.authorizations().into_iter()
    }
}

/// Why a label was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Blank.
    #[error("a label is a non-empty access expression (leave it out for no restriction)")]
    Empty,
    /// Over the limit.
    #[error("a label is at most {MAX_LABEL} bytes")]
    TooLong,
    /// Not an access expression.
    #[error("not an access expression: {0}")]
    Syntax(#[from] ParseError),
}

/// Labels are equal when written the same; `A&B` and `B&A` guard alike but are not merged.
impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Label {}

impl std::hash::Hash for Label {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Label {
    type Err = LabelError;

    fn from_str(text: &str) -> Result<Self, LabelError> {
        Self::parse(text)
    }
}

impl utoipa::PartialSchema for Label {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "An access expression (Accumulo syntax) a reader must satisfy.",
            ))
            .examples([serde_json::json!("LE&(VICTIM_PII|CASEWORK)")])
            .into()
    }
}

impl ToSchema for Label {}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An authorization an admin defined, which labels may then name and users may be granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuthorizationDefinition {
    /// The token as labels write it, such as `VICTIM_PII`.
    pub name: String,
    /// What holding it means, for the admins who grant it.
    pub description: String,
    /// Who defined it.
    pub defined_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub defined: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_labels_guard_what_is_inside() {
        let le: Label = "LE".parse().unwrap();
        let pii: Label = "VICTIM_PII|CASEWORK".parse().unwrap();
        assert!(Label::both(None, None).unwrap().is_none());
        assert_eq!(
            Label::both(Some(&le), None).unwrap().unwrap().as_str(),
            "LE"
        );
        assert_eq!(
            Label::both(None, Some(&pii)).unwrap().unwrap().as_str(),
            "VICTIM_PII|CASEWORK"
        );
        assert_eq!(
            Label::both(Some(&le), Some(&pii))
                .unwrap()
                .unwrap()
                .as_str(),
            "(LE)&(VICTIM_PII|CASEWORK)"
        );
    }

    #[test]
    fn a_malformed_label_names_the_position() {
        let error = serde_json::from_str::<Label>(r#""LE&CASEWORK|NGO""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("mixing & and | needs parentheses at position 11"),
            "{error}"
        );
        assert_eq!(Label::parse(" "), Err(LabelError::Empty));
        assert_eq!(Label::parse(&"A".repeat(2000)), Err(LabelError::TooLong));
    }

    #[test]
    fn evaluates_against_authorizations() {
        let label: Label = "LE&(VICTIM_PII|CASEWORK)".parse().unwrap();
        assert!(label.is_satisfied_by(&["LE", "CASEWORK"].into_iter().collect()));
        assert!(!label.is_satisfied_by(&["LE"].into_iter().collect()));
        assert_eq!(
            label.authorizations().collect::<Vec<_>>(),
            ["CASEWORK", "LE", "VICTIM_PII"]
        );
        assert_eq!(
            serde_json::to_string(&label).unwrap(),
            r#""LE&(VICTIM_PII|CASEWORK)""#
        );
    }
}
