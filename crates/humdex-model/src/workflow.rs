//! The workflow: intake → analysis → dissemination → archived, and who works on a record.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a record stands in the workflow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Received, not yet looked at.
    Intake,
    /// Being analysed.
    Analysis,
    /// Ready to be, or being, released to those who need it.
    Dissemination,
    /// Done; kept for search and future analysis.
    Archived,
}

impl State {
    /// Every state, in workflow order.
    pub const ALL: [State; 4] = [
        State::Intake,
        State::Analysis,
        State::Dissemination,
        State::Archived,
    ];

    /// The state's name as stored and as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Analysis => "analysis",
            Self::Dissemination => "dissemination",
            Self::Archived => "archived",
        }
    }

    /// The states a record may move to from this one. Dissemination and the archive lead back to
    /// analysis when more work is needed.
    pub fn next(self) -> &'static [State] {
        match self {
            Self::Intake => &[Self::Analysis],
            Self::Analysis => &[Self::Dissemination],
            Self::Dissemination => &[Self::Archived, Self::Analysis],
            Self::Archived => &[Self::Analysis],
        }
    }

    /// Whether a record may move from this state to `to`.
    pub fn can_move_to(self, to: State) -> bool {
        self.next().contains(&to)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| {
                format!("unknown state `{text}` (intake, analysis, dissemination, archived)")
            })
    }
}

/// Who works on a record: one user, or a pool of analysts any of whom may claim it. Written
/// `user:NAME` or `pool:NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Assignee {
    /// A user, by username.
    User(String),
    /// A pool, by name.
    Pool(String),
}

impl FromStr for Assignee {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let valid = |name: &str| {
            !name.is_empty() && name.len() <= 64 && !name.contains(char::is_whitespace)
        };
        match text.split_once(':') {
            Some(("user", name)) if valid(name) => Ok(Self::User(name.to_owned())),
            Some(("pool", name)) if valid(name) => Ok(Self::Pool(name.to_owned())),
            _ => Err(format!(
                "assignee `{text}` must be written user:NAME or pool:NAME"
            )),
        }
    }
}

impl TryFrom<String> for Assignee {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl fmt::Display for Assignee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(name) => write!(f, "user:{name}"),
            Self::Pool(name) => write!(f, "pool:{name}"),
        }
    }
}

impl From<Assignee> for String {
    fn from(assignee: Assignee) -> Self {
        assignee.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_workflow() {
        use State::*;
        assert!(Intake.can_move_to(Analysis));
        assert!(!Intake.can_move_to(Dissemination));
        assert!(!Intake.can_move_to(Archived));
        assert!(Analysis.can_move_to(Dissemination));
        assert!(Dissemination.can_move_to(Archived));
        assert!(Dissemination.can_move_to(Analysis));
        assert!(Archived.can_move_to(Analysis));
        assert!(!Archived.can_move_to(Intake));
        for state in State::ALL {
            assert!(!state.can_move_to(state));
            assert_eq!(state.as_str().parse::<State>().unwrap(), state);
        }
    }

    #[test]
    fn assignees_parse_and_print() {
        assert_eq!(
            "pool:triage".parse::<Assignee>().unwrap(),
            Assignee::Pool("triage".into())
        );
        assert_eq!(Assignee::User("ana".into()).to_string(), "user:ana");
        for bad in ["ana", "team:x", "user:", "pool:a b"] {
            assert!(bad.parse::<Assignee>().is_err(), "{bad}");
        }
    }
}
