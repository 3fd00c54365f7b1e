//! Dissemination: a record version released to users or pools, for a purpose, under a handling
//! code.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Assignee, InvalidInput, RecordId};

/// How recipients may share what they received: the FIRST Traffic Light Protocol 2.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum HandlingCode {
    /// For the named recipients only.
    #[serde(rename = "TLP:RED")]
    Red,
    /// Within the recipient's organisation only.
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// Within the recipient's organisation and its clients, on a need-to-know basis.
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// Within the recipient's community.
    #[serde(rename = "TLP:GREEN")]
    Green,
    /// No limit on disclosure.
    #[serde(rename = "TLP:CLEAR")]
    Clear,
}

impl HandlingCode {
    /// The code as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "TLP:RED",
            Self::AmberStrict => "TLP:AMBER+STRICT",
            Self::Amber => "TLP:AMBER",
            Self::Green => "TLP:GREEN",
            Self::Clear => "TLP:CLEAR",
        }
    }
}

impl std::str::FromStr for HandlingCode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(text.to_owned()))
            .map_err(|_| format!("unknown handling code `{text}`"))
    }
}

/// A release asked for: to whom, why, and how they may pass it on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDissemination {
    /// Recipients, `user:NAME` or `pool:NAME`.
    #[schema(value_type = Vec<String>, example = json!(["user:ana", "pool:labour"]))]
    pub to: Vec<Assignee>,
    /// Why they receive it.
    pub purpose: String,
    /// How they may share it.
    pub handling_code: HandlingCode,
}

const MAX_RECIPIENTS: usize = 100;
const MAX_PURPOSE: usize = 2000;

impl NewDissemination {
    /// Checks the rules that JSON parsing does not.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if self.to.is_empty() || self.to.len() > MAX_RECIPIENTS {
            return Err(InvalidInput::at(
                "to",
                format!("name 1 to {MAX_RECIPIENTS} recipients"),
            ));
        }
        if self.purpose.trim().is_empty() || self.purpose.len() > MAX_PURPOSE {
            return Err(InvalidInput::at(
                "purpose",
                format!("a purpose is 1 to {MAX_PURPOSE} bytes"),
            ));
        }
        Ok(())
    }
}

/// One release of one record version to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Dissemination {
    /// The record released.
    pub record_id: RecordId,
    /// The version released.
    pub version: i64,
    /// Who received it.
    #[schema(value_type = String, example = "user:ana")]
    pub recipient: Assignee,
    /// Why.
    pub purpose: String,
    /// How they may share it.
    pub handling_code: HandlingCode,
    /// Who released it.
    pub by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}
