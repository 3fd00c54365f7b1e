//! Extractors whose rejections speak our error format.

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body read with the path of the first offending member, so errors can name it.
pub struct JsonBody<T> {
    /// The parsed body.
    pub value: T,
    /// The body as sent.
    pub bytes: Bytes,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_body(request, state).await?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            ApiError::Invalid {
                message: error.into_inner().to_string(),
                field: (path != ".").then_some(path),
            }
        })?;
        Ok(Self { value, bytes })
    }
}

/// Reads a whole body within the configured limit.
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::Invalid {
                    message: "the body could not be read".to_owned(),
                    field: None,
                }
            }
        })
}

/// Query parameters, rejected in our error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters, rejected in our error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The version in an `If-Match` header (`3` or `"3"`), if any.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get("if-match") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|text| text.trim().trim_matches('"'))
        .and_then(|text| text.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "If-Match",
                "If-Match holds the record version you edited, such as \"3\"",
            )
        })
}

/// The address of the client that sent the request, as the connection tells it: `humdex serve`
/// serves with `ConnectInfo<SocketAddr>`. A router driven without it (as tests drive it) has no
/// address, and every request counts as coming from one unknown client.
///
/// `X-Forwarded-For` is not read: any client can write it, so trusting it would let anyone pick
/// the address their failed sign-ins and rate limits are counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    /// What failures and rate limits are counted under: the IPv4 address, or the /64 network of
    /// an IPv6 address (one client usually holds a whole /64), or `unknown`.
    pub fn key(&self) -> String {
        match self.0.map(|address| address.to_canonical()) {
            Some(IpAddr::V6(address)) => {
                let network = u128::from(address) & !u128::from(u64::MAX);
                format!("{}/64", Ipv6Addr::from(network))
            }
            Some(address) => address.to_string(),
            None => "unknown".to_owned(),
        }
    }
}

impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(address) => address.to_canonical().fmt(f),
            None => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self::from_parts(parts))
    }
}

impl ClientAddress {
    /// The address of the connection a request came on, when the server was given it.
    pub(crate) fn from_parts(parts: &Parts) -> Self {
        Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(address)| address.ip()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ClientAddress;

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let one = ClientAddress(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let other = ClientAddress(Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_eq!(one.key(), "2001:db8:1:2::/64");
        assert_eq!(one.key(), other.key());
        let mapped = ClientAddress(Some("::ffff:192.0.2.7".parse().unwrap()));
        assert_eq!(mapped.key(), "192.0.2.7");
        assert_eq!(ClientAddress(None).key(), "unknown");
    }
}
