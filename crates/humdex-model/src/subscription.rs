//! Subscriptions: queries a user keeps, which notify them of each record version that matches.

use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{InvalidInput, RecordId};

crate::id::time_ordered_id!(
    /// A subscription's id: a UUIDv7, so ids sort by creation time.
    SubscriptionId,
    "a subscription"
);

/// How a subscription's notifications reach its owner. (Named apart from [`crate::Channel`],
/// the channel a record arrived through.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryChannel {
    /// In the user interface only.
    Ui,
    /// Posted to the subscription's webhook as well.
    Webhook,
}

impl DeliveryChannel {
    /// Every channel.
    pub const ALL: [DeliveryChannel; 2] = [DeliveryChannel::Ui, DeliveryChannel::Webhook];

    /// The name as stored and as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ui => "ui",
            Self::Webhook => "webhook",
        }
    }
}

impl FromStr for DeliveryChannel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text)
            .ok_or_else(|| format!("unknown delivery channel `{text}` (ui, webhook)"))
    }
}

/// A stored query and where its matches go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    /// Its id.
    pub id: SubscriptionId,
    /// The user it belongs to, the only one who sees and changes it.
    pub owner: String,
    /// What it is for, for people.
    pub name: String,
    /// The query, as written.
    pub query: String,
    /// How notifications reach the owner.
    pub channel: DeliveryChannel,
    /// Where webhook notifications are posted; only for the webhook channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// A paused subscription notifies no one.
    pub paused: bool,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created: Timestamp,
    /// When it last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated: Timestamp,
    /// Starts at 1 and grows by one with every change.
    pub version: i64,
}

/// A subscription as asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// What it is for, for people.
    pub name: String,
    /// The query, as written.
    pub query: String,
    /// How notifications reach the owner.
    pub channel: DeliveryChannel,
    /// Where to post notifications: an `http` or `https` URL, for the webhook channel only.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

const MAX_NAME: usize = 200;
const MAX_QUERY: usize = 2000;
const MAX_URL: usize = 2000;

/// Whether `text` has between 1 and `max` characters, not all of them white space.
fn sized(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max
}

/// Whether `url` looks like an absolute http(s) URL with a host. Whether the host may be
/// called is the deliverer's to decide, when it resolves it.
fn web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.starts_with(['/', '?', '#'])
            && !rest.is_empty()
            && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

impl NewSubscription {
    /// Checks the rules that JSON parsing does not.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if !sized(&self.name, MAX_NAME) {
            return Err(InvalidInput::at(
                "name",
                format!("a name is 1 to {MAX_NAME} characters"),
            ));
        }
        if !sized(&self.query, MAX_QUERY) {
            return Err(InvalidInput::at(
                "query",
                format!("a query is 1 to {MAX_QUERY} characters"),
            ));
        }
        match (self.channel, &self.webhook_url) {
            (DeliveryChannel::Ui, None) => Ok(()),
            (DeliveryChannel::Ui, Some(_)) => Err(InvalidInput::at(
                "webhook_url",
                "only the webhook channel takes a webhook URL",
            )),
            (DeliveryChannel::Webhook, None) => Err(InvalidInput::at(
                "webhook_url",
                "the webhook channel needs a webhook URL",
            )),
            (DeliveryChannel::Webhook, Some(url)) => {
                if url.chars().count() <= MAX_URL && web_url(url) {
                    Ok(())
                } else {
                    Err(InvalidInput::at(
                        "webhook_url",
                        format!(
                            "a webhook URL is an http or https URL of at most {MAX_URL} characters"
                        ),
                    ))
                }
            }
        }
    }
}

/// A match for a subscription to store: the record version that matched, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// The subscription that matched.
    pub subscription_id: SubscriptionId,
    /// The record that matched.
    pub record_id: RecordId,
    /// The version of it that matched.
    pub version: i64,
    /// When it matched.
    pub created: Timestamp,
    /// Why it matched (terms and fields), for the owner to read.
    pub reasons: serde_json::Value,
}

/// A stored match: one record version for one subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    /// Its position among all notifications: grows with every notification, so readers page and
    /// resume (an event stream's last event id) by it.
    pub id: i64,
    /// The subscription that matched.
    pub subscription_id: SubscriptionId,
    /// The subscription's owner.
    pub owner: String,
    /// The record that matched.
    pub record_id: RecordId,
    /// The version of it that matched.
    pub version: i64,
    /// When it matched.
    #[schema(value_type = String, format = DateTime)]
    pub created: Timestamp,
    /// Why it matched (terms and fields).
    #[schema(value_type = Object)]
    pub reasons: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::{DeliveryChannel, NewSubscription};

    fn new(channel: DeliveryChannel, webhook_url: Option<&str>) -> NewSubscription {
        NewSubscription {
            name: "Border crossings".to_owned(),
            query: "visa AND driver".to_owned(),
            channel,
            webhook_url: webhook_url.map(str::to_owned),
        }
    }

    fn fault(subscription: &NewSubscription) -> Option<String> {
        subscription.validate().err().and_then(|error| error.field)
    }

    #[test]
    fn names_and_queries_are_bounded_in_characters() {
        let mut subscription = new(DeliveryChannel::Ui, None);
        assert_eq!(fault(&subscription), None);
        subscription.name = "é".repeat(200);
        assert_eq!(fault(&subscription), None, "200 characters, 400 bytes");
        subscription.name.push('é');
        assert_eq!(fault(&subscription).as_deref(), Some("name"));
        subscription.name = "  ".to_owned();
        assert_eq!(fault(&subscription).as_deref(), Some("name"));
        subscription.name = "n".to_owned();
        subscription.query = "q".repeat(2001);
        assert_eq!(fault(&subscription).as_deref(), Some("query"));
        subscription.query = String::new();
        assert_eq!(fault(&subscription).as_deref(), Some("query"));
    }

    #[test]
    fn only_the_webhook_channel_takes_a_web_url() {
        for (channel, url, valid) in [
            (DeliveryChannel::Ui, Some("https://example.org/hook"), false),
            (DeliveryChannel::Webhook, None, false),
            (
                DeliveryChannel::Webhook,
                Some("https://example.org/hook"),
                true,
            ),
            (
                DeliveryChannel::Webhook,
                Some("HTTP://example.org:8080"),
                true,
            ),
            (DeliveryChannel::Webhook, Some("ftp://example.org"), false),
            (DeliveryChannel::Webhook, Some("https://"), false),
            (DeliveryChannel::Webhook, Some("https:///path"), false),
            (DeliveryChannel::Webhook, Some("https://a b"), false),
            (DeliveryChannel::Webhook, Some("example.org"), false),
        ] {
            let subscription = new(channel, url);
            let expected = (!valid).then(|| "webhook_url".to_owned());
            assert_eq!(fault(&subscription), expected, "{channel:?} {url:?}");
        }
        let long = format!("https://example.org/{}", "a".repeat(2000));
        assert_eq!(
            fault(&new(DeliveryChannel::Webhook, Some(&long))).as_deref(),
            Some("webhook_url")
        );
    }

    #[test]
    fn channels_round_trip_through_their_names() {
        for channel in DeliveryChannel::ALL {
            assert_eq!(channel.as_str().parse(), Ok(channel));
            assert_eq!(
                serde_json::to_value(channel).unwrap(),
                serde_json::Value::String(channel.as_str().to_owned())
            );
        }
    }
}
