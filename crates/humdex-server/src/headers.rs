//! Security headers on every response: a strict Content-Security-Policy, no sniffing, no
//! framing, no referrer, HSTS, no powerful browser features, and `Cache-Control: no-store` on the
//! API (its answers hold victims' data). A handler that sets one of these itself keeps its own.

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The Content-Security-Policy: our own origin only, and the map's tile server when the node
/// has one (`image_origin`).
pub(crate) fn content_security_policy(image_origin: Option<&str>) -> HeaderValue {
    let images = image_origin.map_or(String::new(), |origin| format!("img-src 'self' {origin}; "));
    let policy = format!(
        "default-src 'self'; {images}frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"))
}

/// `(name, value)` for every response, besides the Content-Security-Policy.
const HEADERS: [(HeaderName, &str); 5] = [
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (X_FRAME_OPTIONS, "DENY"),
    (REFERRER_POLICY, "no-referrer"),
    // Browsers ignore it over plain HTTP, and honour it once the node is behind TLS.
    (
        STRICT_TRANSPORT_SECURITY,
        "max-age=31536000; includeSubDomains",
    ),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
];

/// Adds the security headers to the response, with `policy` as its Content-Security-Policy.
pub(crate) async fn security_headers(
    State(policy): State<HeaderValue>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path == "/health";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.entry(CONTENT_SECURITY_POLICY).or_insert(policy);
    for (name, value) in HEADERS {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if api {
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}
