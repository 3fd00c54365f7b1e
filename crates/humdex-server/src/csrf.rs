//! CSRF protection for the session cookie. A browser sends the cookie by itself, so a request
//! it signs could come from another site's page; a state-changing one (any method but GET,
//! HEAD, OPTIONS and TRACE) must therefore also carry `X-CSRF-Token`, which only our own pages
//! can know (sign-in and `GET /api/v1/auth/me` answer it), and must not come from another site
//! by `Sec-Fetch-Site` or `Origin` when the browser sends those. Requests with a bearer token
//! carry no ambient credential and need none of this; the cookie is also `SameSite=Strict`.
//!
//! The token is derived from the session token's hash rather than stored: it cannot be guessed
//! without the session token, and it dies with the session.

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of the session whose token hashes to `session_token_hash`.
pub(crate) fn token_for(session_token_hash: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"humdex csrf\n");
    digest.update(session_token_hash.as_bytes());
    hex::encode(digest.finalize())
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn same_secret(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0, |difference, (l, r)| difference | (l ^ r))
            == 0
}

/// Whether `origin` (`scheme://host[:port]`) names the host the request was sent to.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let authority = origin.split_once("://").map(|(_, authority)| authority);
    matches!((authority, host), (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host))
}

/// Checks a request signed by the session cookie.
pub(crate) fn check(
    method: &Method,
    headers: &HeaderMap,
    session_token_hash: &str,
) -> Result<(), ApiError> {
    if method.is_safe() {
        return Ok(());
    }
    if let Some(site) = headers.get("sec-fetch-site")
        && !(site == "same-origin" || site == "none")
    {
        return Err(ApiError::Csrf);
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().map_err(|_| ApiError::Csrf)?;
        let host = headers.get(HOST).and_then(|value| value.to_str().ok());
        if !same_origin(origin, host) {
            return Err(ApiError::Csrf);
        }
    }
    let expected = token_for(session_token_hash);
    match headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
    {
        Some(presented) if same_secret(presented.trim().as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(ApiError::Csrf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn only_same_site_requests_with_the_token_change_state() {
        let token = token_for("abc");
        assert!(check(&Method::GET, &headers(&[]), "abc").is_ok());
        assert!(check(&Method::POST, &headers(&[]), "abc").is_err());
        assert!(check(&Method::POST, &headers(&[(CSRF_HEADER, &token)]), "abc").is_ok());
        assert!(check(&Method::POST, &headers(&[(CSRF_HEADER, &token)]), "abd").is_err());
        let same = [
            (CSRF_HEADER, token.as_str()),
            ("host", "humdex.example:8080"),
            ("origin", "https://humdex.example:8080"),
            ("sec-fetch-site", "same-origin"),
        ];
        assert!(check(&Method::DELETE, &headers(&same), "abc").is_ok());
        let mut cross = same;
        cross[2] = ("origin", "https://evil.example");
        assert!(check(&Method::DELETE, &headers(&cross), "abc").is_err());
        let mut cross = same;
        cross[3] = ("sec-fetch-site", "cross-site");
        assert!(check(&Method::DELETE, &headers(&cross), "abc").is_err());
    }
}
