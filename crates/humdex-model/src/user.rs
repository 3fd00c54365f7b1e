//! Users and roles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user does, and so what the API lets them do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the node: users, pools, everything.
    Admin,
    /// Leads analysts: assigns work, manages pools.
    Supervisor,
    /// Works records through the workflow.
    Analyst,
    /// Works with survivors' records.
    Caseworker,
    /// A partner agency's account: submits records and reads its own submissions.
    Partner,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Supervisor,
        Role::Analyst,
        Role::Caseworker,
        Role::Partner,
    ];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Supervisor => "supervisor",
            Self::Analyst => "analyst",
            Self::Caseworker => "caseworker",
            Self::Partner => "partner",
        }
    }

    /// Whether the role works records (edits, moves and claims them), as opposed to only
    /// submitting them.
    pub fn works_records(self) -> bool {
        self != Self::Partner
    }

    /// Whether the role manages analyst pools.
    pub fn manages_pools(self) -> bool {
        matches!(self, Self::Admin | Self::Supervisor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| {
                format!("unknown role `{text}` (admin, supervisor, analyst, caseworker, partner)")
            })
    }
}

/// A username: 1 to 64 of ASCII letters, digits, `.`, `_`, `-` and `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String)]
pub struct Username(String);

impl Username {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if valid {
            Ok(Self(name))
        } else {
            Err(format!("`{name}` is not a valid username"))
        }
    }
}

impl FromStr for Username {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::try_from(name.to_owned())
    }
}

impl From<Username> for String {
    fn from(name: Username) -> Self {
        name.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user as the rest of the system sees them (the password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The login name.
    pub username: Username,
    /// What they do.
    pub role: Role,
    /// The authorizations the node issued to them, matched against labels.
    pub authorizations: Vec<String>,
}
