use std::fmt;

/// Input that breaks a rule of the model, with the path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InvalidInput {
    /// Dotted path of the value at fault, such as `fields.city.value`; `None` for the whole input.
    pub field: Option<String>,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl InvalidInput {
    /// An error about the value at `field`.
    pub fn at(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Result of validating model input.
pub type Result<T, E = InvalidInput> = std::result::Result<T, E>;

/// A write the writer's own privileges do not allow, such as a label they do not satisfy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Denied {
    /// Dotted path of the value at fault, such as `fields.city.label`.
    pub field: Option<String>,
    /// What is not allowed, for a person to read.
    pub message: String,
}

impl Denied {
    /// A refusal about the value at `field`.
    pub fn at(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}
