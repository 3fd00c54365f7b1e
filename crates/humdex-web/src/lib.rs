//! The Humdex browser UI. The browser is a client of the same JSON API as every other client,
//! signed in by the session cookie: every privilege rule is enforced once, by the API, and the
//! UI cannot show what the API would not answer.
//!
//! Every screen is one page (`index.html`) whose script draws the screen the address names;
//! the scripts, styles and third-party libraries (Leaflet, Cytoscape.js, the Natural Earth
//! basemap) are embedded at build time and served under `/assets/`.
#![warn(missing_docs)]

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower_http::compression::CompressionLayer;

/// One embedded file.
struct Asset {
    /// Its path under `/assets/`.
    path: &'static str,
    /// A strong ETag: its SHA-256, quoted.
    etag: &'static str,
    bytes: &'static [u8],
}

static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The addresses of the UI's screens. Anything else that is not the API is a 404, as it should
/// be, rather than a page that says nothing was found.
pub const SCREENS: [&str; 11] = [
    "/",
    "/login",
    "/intake",
    "/records/{id}",
    "/search",
    "/notifications",
    "/chart",
    "/map",
    "/admin",
    "/account",
    "/import",
];

/// A map tile server the node's users may reach, for a richer basemap than the bundled one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileServer {
    /// The URL template, `https://host/path/{z}/{x}/{y}.png`.
    pub url: String,
    /// `scheme://host[:port]`, which the Content-Security-Policy must allow images from.
    pub origin: String,
    /// The attribution its licence asks for.
    pub attribution: String,
}

impl TileServer {
    /// Checks a URL template: http(s), a host, and the `{z}`, `{x}` and `{y}` placeholders.
    pub fn new(url: &str, attribution: &str) -> Result<Self, String> {
        let (scheme, rest) = url
            .split_once("://")
            .filter(|(scheme, _)| matches!(*scheme, "https" | "http"))
            .ok_or("a tile server's URL starts with https:// or http://")?;
        let host = rest.split('/').next().unwrap_or_default();
        let host_characters = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
        if host.is_empty() || !host.chars().all(host_characters) {
            return Err(format!("{url}: no host name"));
        }
        if let Some(missing) = ["{z}", "{x}", "{y}"]
            .iter()
            .find(|part| !rest.contains(*part))
        {
            return Err(format!("{url}: the template lacks {missing}"));
        }
        Ok(Self {
            url: url.to_owned(),
            origin: format!("{scheme}://{host}"),
            attribution: attribution.to_owned(),
        })
    }
}

/// The UI's routes: its screens, `/assets/{path}`, and `/ui/settings.json` (what the node's
/// operator chose for the UI: a tile server, or none for the bundled basemap alone).
pub fn routes<S>(tiles: Option<&TileServer>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let tiles = tiles.map(|tiles| json!({"url": tiles.url, "attribution": tiles.attribution}));
    let settings = json!({ "tiles": tiles }).to_string();
    let settings = move || async move {
        let headers = [
            (CONTENT_TYPE, "application/json"),
            (CACHE_CONTROL, "no-cache"),
        ];
        (headers, settings)
    };
    SCREENS
        .iter()
        .fold(Router::new(), |router, screen| {
            router.route(screen, get(page))
        })
        .route("/assets/{*path}", get(asset))
        .route("/ui/settings.json", get(settings))
        // Only our own files: none holds a secret for a compression oracle to guess at.
        .layer(CompressionLayer::new())
}

async fn page(headers: HeaderMap) -> Response {
    serve("app/index.html", &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    let Some((etag, bytes)) = find(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let fresh = headers
        .get(IF_NONE_MATCH)
        .is_some_and(|presented| presented.as_bytes() == etag.as_bytes());
    let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    // Revalidated on every use: a new build must never run against an old script.
    let caching = [
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (ETAG, etag),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, caching).into_response();
    }
    let content_type = HeaderValue::from_static(content_type(path));
    (caching, [(CONTENT_TYPE, content_type)], bytes).into_response()
}

/// The file at `path` with its ETag: from `HUMDEX_WEB_DIR` for our own files when that is set
/// (developing the UI without rebuilding), otherwise embedded.
fn find(path: &str) -> Option<(String, Cow<'static, [u8]>)> {
    if let (Some(dir), Some(relative)) = (development_dir(), path.strip_prefix("app/")) {
        if relative
            .split('/')
            .any(|part| part == ".." || part.is_empty())
        {
            return None;
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "development only: small files, read at the edge"
        )]
        let bytes = std::fs::read(dir.join(relative)).ok()?;
        // Any edit changes the tag (a length alone would not), so the browser never keeps a stale file.
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&bytes, &mut hasher);
        let tag = std::hash::Hasher::finish(&hasher);
        return Some((format!("\"dev-{tag:x}\""), Cow::Owned(bytes)));
    }
    ASSETS
        .iter()
        .find(|asset| asset.path == path)
        .map(|asset| (asset.etag.to_owned(), Cow::Borrowed(asset.bytes)))
}

fn development_dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::var_os("HUMDEX_WEB_DIR").map(PathBuf::from);
        if let Some(dir) = &dir {
            tracing::warn!(dir = %dir.display(), "serving the UI's own files from disk");
        }
        dir
    })
    .as_ref()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn get(uri: &str, etag: Option<&str>) -> Response {
        get_with(uri, etag, None).await
    }

    async fn get_with(uri: &str, etag: Option<&str>, encoding: Option<&str>) -> Response {
        let mut request = Request::get(uri);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let request = request.body(Body::empty()).unwrap();
        let tiles = TileServer::new("https://tiles.example.org/{z}/{x}/{y}.png", "© \"Tiles\"");
        routes::<()>(Some(&tiles.unwrap()))
            .oneshot(request)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn every_screen_is_the_page_and_assets_revalidate() {
        let page = get("/records/abc", None).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        let etag = page.headers()[ETAG].to_str().unwrap().to_owned();
        let body = page.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains("/assets/app/js/main.js"));

        assert_eq!(
            get("/", Some(&etag)).await.status(),
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(get("/", Some("\"other\"")).await.status(), StatusCode::OK);
        let leaflet = get("/assets/vendor/leaflet.js", None).await;
        assert_eq!(leaflet.status(), StatusCode::OK);
        assert!(leaflet.headers().get("content-encoding").is_none());
        assert_eq!(
            leaflet.headers()[CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            get("/assets/vendor/countries-50m.json", None)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            get("/assets/app/../Cargo.toml", None).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(get("/nowhere", None).await.status(), StatusCode::NOT_FOUND);
        let zipped = get_with("/assets/vendor/cytoscape.min.js", None, Some("gzip")).await;
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        let zipped = zipped.into_body().collect().await.unwrap().to_bytes();
        assert!(zipped.len() < 200_000, "{} bytes", zipped.len());
        let settings = get("/ui/settings.json", None)
            .await
            .into_body()
            .collect()
            .await;
        assert_eq!(
            settings.unwrap().to_bytes(),
            r#"{"tiles":{"url":"https://tiles.example.org/{z}/{x}/{y}.png","attribution":"© \"Tiles\""}}"#
        );
    }

    #[test]
    fn tile_servers_are_checked() {
        let tiles = TileServer::new("https://a.tile.example:8443/osm/{z}/{x}/{y}.png", "").unwrap();
        assert_eq!(tiles.origin, "https://a.tile.example:8443");
        assert!(TileServer::new("ftp://x/{z}/{x}/{y}", "").is_err());
        assert!(TileServer::new("https://x/{z}/{x}.png", "").is_err());
        assert!(TileServer::new("https:///{z}/{x}/{y}", "").is_err());
        assert!(TileServer::new("https://x y/{z}/{x}/{y}", "").is_err());
    }
}
